/**
 * `proof export` and `proof verify`: proof bundles (@graphchat/core,
 * chat/proof.ts) as JSON files. Verifying needs nothing but the file: no
 * database, no passphrase, no network.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { proofContextNote, verifyProofBundle } from '@graphchat/core';
import type { ProofFailure, ProofReport, ProvenMessage } from '@graphchat/core';
import { CliError, oneLine } from '../errors.js';
import { printable } from '../output.js';
import { expectPositional, NO_FLAGS, nonEmpty, single, usage } from './arguments.js';
import type { CommandArgs } from './arguments.js';
import { defineCommand, defineOfflineCommand } from './entry.js';

/** `proof export CONTACT [--from MSG] [--to MSG] --out FILE`: message ids as `history --json` prints them. */
export interface ProofExportCommand {
  readonly name: 'proof-export';
  readonly contact: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly out: string;
}

export interface ProofVerifyCommand {
  readonly name: 'proof-verify';
  readonly file: string;
}

function proofExportJson(file: string, envelopes: number, receipts: number): object {
  return { proof: file, envelopes, receipts };
}

/** A message of a verified bundle as the verifier reports it. */
function provenMessageJson(message: ProvenMessage): object {
  const { position, sender, signingKey, seq, timestamp, type, text, hash, receipt, context, answers, lastReceivedHash, unprovenAfter } = message;
  return { position, sender, signingKey, seq, timestamp, type, text, hash, receipt, context, answers, lastReceivedHash, unprovenAfter };
}

/** The verdict, after the messages: `valid` is true exactly when `failures` is empty. */
function proofVerdictJson(report: ProofReport): object {
  return { valid: report.valid, securityCode: report.securityCode, signingKeys: report.signingKeys, failures: report.failures };
}

/**
 * A time as ISO-8601 (UTC). Timestamps in a bundle are whatever their
 * signer chose, up to 2^53 ms, beyond what Date can show: those print as ms.
 */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}

/** The start of a signing key: enough to tell the two apart at a glance. */
const shortKey = (key: string): string => key.slice(0, 8);

/** The security code and both signing keys of a verified bundle (none if it could not be read). */
function proofHeaderLines(report: ProofReport): string[] {
  if (report.securityCode === null || report.signingKeys === null) return [];
  return [`security code: ${report.securityCode}`, `inviter signing key: ${report.signingKeys.inviter}`, `joiner signing key: ${report.signingKeys.joiner}`];
}

/** One message of a verified bundle on one line (a text's line breaks shown as \n). */
export function provenMessageLine(message: ProvenMessage): string {
  const text = message.text === null ? '' : ` ${JSON.stringify(printable(message.text))}`;
  const receipt = message.receipt === null ? 'no receipt in the bundle' : `receipt: seq ${message.receipt.seq} at ${isoTime(message.receipt.timestamp)}`;
  const note = proofContextNote(message);
  return (
    `${message.position}. ${message.sender} (${shortKey(message.signingKey)}) seq ${message.seq}` +
    ` ${isoTime(message.timestamp)} (sender's clock) ${message.type}${text}; ${receipt}${note === null ? '' : ` (${note})`}`
  );
}

/** `CODE where: message`, or `CODE: message` for a failure of the whole bundle. */
export function proofFailureLine(failure: ProofFailure): string {
  return `${failure.code}${failure.where === null ? '' : ` ${failure.where}`}: ${printable(oneLine(failure.message))}`;
}

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

function parseExport(args: CommandArgs): ProofExportCommand {
  const [contact] = expectPositional(args, ['CONTACT']);
  const out = single(args, '--out');
  if (out === null) throw usage('proof export: --out FILE is required');
  const bound = (flag: string): string | null => {
    const value = single(args, flag);
    return value === null ? null : nonEmpty(args, flag, value);
  };
  return { name: 'proof-export', contact: nonEmpty(args, 'CONTACT', contact!), from: bound('--from'), to: bound('--to'), out: nonEmpty(args, '--out', out) };
}

export const proofExport = defineCommand({
  line: {
    words: ['proof', 'export'],
    flags: { valueFlags: ['--from', '--to', '--out'], booleanFlags: [] },
    parse: parseExport,
    listing: [
      {
        form: 'proof export CONTACT [--from MSG] [--to MSG] --out FILE',
        description: [
          'write the conversation with CONTACT (or its messages',
          'from MSG to MSG, ids as history --json prints them)',
          'as a signed proof for anyone to check; FILE holds',
          'those messages in the clear',
        ],
      },
    ],
    synopsis: 'graphchat proof export CONTACT [--from MSG] [--to MSG] --out FILE',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const contact = agent.findContact(command.contact);
    const bundle = agent.exportProof(contact.id, {
      ...(command.from !== null ? { from: command.from } : {}),
      ...(command.to !== null ? { to: command.to } : {}),
    });
    writeFileAtomically(command.out, JSON.stringify(bundle, null, 2) + '\n');
    return { out: command.out, envelopes: bundle.envelopes.length, receipts: bundle.receipts.length };
  },
  print: ({ out, envelopes, receipts }, printer) => {
    printer.emit(proofExportJson(out, envelopes, receipts), `wrote ${out}: ${envelopes} envelopes, ${receipts} receipts after them`);
    printer.note(`it holds these messages in the clear; "graphchat proof verify ${out}" checks it`);
  },
});

export const proofVerify = defineOfflineCommand({
  line: {
    words: ['proof', 'verify'],
    flags: NO_FLAGS,
    parse: (args): ProofVerifyCommand => {
      const [file] = expectPositional(args, ['FILE']);
      return { name: 'proof-verify', file: nonEmpty(args, 'FILE', file!) };
    },
    listing: [
      {
        form: 'proof verify FILE',
        description: [
          "check a proof's signatures, order, completeness and",
          'receipts and list its messages; needs no database,',
          'passphrase or network; exit 1 if it is invalid',
        ],
      },
    ],
    synopsis: 'graphchat proof verify FILE',
  },
  run: async (command) => {
    const bundle = readBundle(command.file);
    // Loaded on use, as the runtime is: help and usage errors need no native module.
    const { sodiumCrypto } = await import('@graphchat/core/crypto-sodium');
    return verifyProofBundle(sodiumCrypto, bundle);
  },
  /** Every message it proves, then the verdict. */
  print: (report, printer) => {
    for (const line of proofHeaderLines(report)) printer.note(line);
    for (const message of report.messages) printer.emit(provenMessageJson(message), provenMessageLine(message));
    printer.emit(proofVerdictJson(report), report.valid ? 'VALID' : report.failures.map(proofFailureLine));
  },
  failure: ({ failures }) => (failures.length === 0 ? null : `proof invalid: ${failures.length} failure${failures.length === 1 ? '' : 's'}`),
});
