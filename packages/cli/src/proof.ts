/**
 * `proof export` and `proof verify`: proof bundles (@graphchat/core,
 * chat/proof.ts) as JSON files. Verifying needs nothing but the file: no
 * database, no passphrase, no network.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { verifyProofBundle, type ProofReport } from '@graphchat/core';
import type { Command } from './args.js';
import { CliError } from './errors.js';
import { proofExportJson, proofFailureLine, proofHeaderLines, proofVerdictJson, provenMessageJson, provenMessageLine } from './output.js';
import type { Printer } from './output.js';
import type { ChatAgent } from './session.js';

type ExportCommand = Extract<Command, { name: 'proof-export' }>;
type VerifyCommand = Extract<Command, { name: 'proof-verify' }>;

/**
 * Writes `text` to `path` whole or not at all, so that an interrupted export
 * never leaves half a bundle over an earlier one: into a new file beside it,
 * flushed to disk, then renamed over it. Mode 0600, as the bundle holds the
 * conversation in the clear.
 */
function writeFileAtomically(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliError('IO', `cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Exports the range of the conversation with the contact to the file and reports what it holds. */
export function exportProofFile(command: ExportCommand, agent: ChatAgent, printer: Printer): void {
  const contact = agent.findContact(command.contact);
  const bundle = agent.exportProof(contact.id, {
    ...(command.from !== null ? { from: command.from } : {}),
    ...(command.to !== null ? { to: command.to } : {}),
  });
  writeFileAtomically(command.out, JSON.stringify(bundle, null, 2) + '\n');
  const { envelopes, receipts } = bundle;
  printer.emit(proofExportJson(command.out, envelopes.length, receipts.length), `wrote ${command.out}: ${envelopes.length} envelopes, ${receipts.length} receipts after them`);
  printer.note(`it holds these messages in the clear; "graphchat proof verify ${command.out}" checks it`);
}

/** The parsed JSON of a bundle file; BAD_PROOF_FILE if it cannot be read or is not JSON. */
function readBundle(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError('BAD_PROOF_FILE', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError('BAD_PROOF_FILE', `${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Verifies the bundle in the file and prints every message it proves, then the verdict; returns the report. */
export async function verifyProofFile(command: VerifyCommand, printer: Printer): Promise<ProofReport> {
  const bundle = readBundle(command.file);
  // Loaded on use, as main.ts loads the runtime: help and usage errors need no native module.
  const { sodiumCrypto } = await import('@graphchat/core/crypto-sodium');
  const report = verifyProofBundle(sodiumCrypto, bundle);
  for (const line of proofHeaderLines(report)) printer.note(line);
  for (const message of report.messages) printer.emit(provenMessageJson(message), provenMessageLine(message));
  printer.emit(proofVerdictJson(report), report.valid ? 'VALID' : report.failures.map(proofFailureLine));
  return report;
}
