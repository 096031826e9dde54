/**
 * Proof bundles (docs/protocol/proofs.md): a range of a conversation as its
 * signed envelopes, with the receipts that acknowledge them and the
 * connection's associated data, which holds both per-connection signing
 * keys and gives the security code. `verifyProofBundle` checks one with
 * nothing but the bundle: every signature, the hash chain that shows the
 * range is complete and in order, and every receipt.
 *
 * Pure and isomorphic: the terminal client, the browser client and anyone
 * else can run it.
 */
import { ByteReader, fromBase64url, toBase64url, toHex } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { DecodeError } from '../errors.js';
import type { Content } from './content.js';
import { envelopeHash, openEnvelope, type Envelope } from './envelope.js';
import { securityCode } from './security-code.js';

export const PROOF_TYPE = 'graphchat-proof';
export const PROOF_VERSION = 1;
/** Envelopes a verifier checks at most: far beyond any conversation, short of what would hang it. */
const MAX_ENTRIES = 100_000;

export type ProofRole = 'inviter' | 'joiner';

/** The JSON a bundle file holds. Byte strings are base64url without padding. */
export interface ProofBundle {
  readonly type: typeof PROOF_TYPE;
  readonly version: typeof PROOF_VERSION;
  /** The connection's AD (graph-chat §1.4): A's and B's keys, the signing keys among them. */
  readonly associatedData: string;
  /** A_sig and B_sig as they appear in the AD, for readers. */
  readonly signingKeys: { readonly inviter: string; readonly joiner: string };
  /** The security code of the AD (graph-chat §6). */
  readonly securityCode: string;
  /** The range: signed envelopes of both sides, in conversation order (each side's by seq, each after what it says it had received). */
  readonly envelopes: readonly string[];
  /** Signed receipt envelopes from after the range that acknowledge envelopes in it. */
  readonly receipts: readonly string[];
}

export type ProofFailureCode =
  | 'BAD_FORMAT'
  | 'KEY_MISMATCH'
  | 'CODE_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'DUPLICATE'
  | 'CONFLICT'
  | 'GAP'
  | 'CHAIN_BROKEN'
  | 'ORDER'
  | 'RECEIPT_MISMATCH';

export interface ProofFailure {
  readonly code: ProofFailureCode;
  /** Which entry: `envelopes[i]` or `receipts[i]`, if the failure is about one. */
  readonly where: string | null;
  readonly message: string;
}

export interface ProvenMessage {
  /** Position in the range, from 1. */
  readonly position: number;
  readonly sender: ProofRole;
  /** The sender's signing key (base64url). */
  readonly signingKey: string;
  readonly seq: number;
  /** The sender's clock, as the sender claims it (ms since the epoch). */
  readonly timestamp: number;
  readonly type: Content['type'];
  /** For a `text` envelope. */
  readonly text: string | null;
  /** SHA-256 of the signed envelope (hex). */
  readonly hash: string;
  /** The recipient's signed receipt for it, if the bundle holds one. */
  readonly receipt: { readonly seq: number; readonly timestamp: number } | null;
}

export interface ProofReport {
  /** True when there are no failures. */
  readonly valid: boolean;
  readonly securityCode: string | null;
  readonly signingKeys: { readonly inviter: string; readonly joiner: string } | null;
  readonly messages: readonly ProvenMessage[];
  readonly failures: readonly ProofFailure[];
}

/** A_sig and B_sig from AD = lp(A_dh) || lp(A_kem) || lp(A_sig) || lp(B_dh) || lp(B_sig) (graph-chat §1.4). */
export function signingKeysOfAssociatedData(associatedData: Uint8Array): { inviter: Uint8Array; joiner: Uint8Array } {
  const reader = new ByteReader(associatedData);
  const fields = Array.from({ length: 5 }, () => reader.longBytes());
  reader.end();
  const [aDh, aKem, aSig, bDh, bSig] = fields as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  if (aDh.length !== 32 || aKem.length !== 1184 || aSig.length !== 32 || bDh.length !== 32 || bSig.length !== 32) {
    throw new DecodeError('INVALID', 'associated data does not hold the keys of graph-chat §1.4');
  }
  return { inviter: aSig, joiner: bSig };
}

/** Builds a bundle from a connection's AD and signed envelopes (the caller chooses the range). */
export function makeProofBundle(crypto: Crypto, associatedData: Uint8Array, envelopes: readonly Uint8Array[], receipts: readonly Uint8Array[]): ProofBundle {
  const keys = signingKeysOfAssociatedData(associatedData);
  return {
    type: PROOF_TYPE,
    version: PROOF_VERSION,
    associatedData: toBase64url(associatedData),
    signingKeys: { inviter: toBase64url(keys.inviter), joiner: toBase64url(keys.joiner) },
    securityCode: securityCode(crypto, associatedData),
    envelopes: envelopes.map(toBase64url),
    receipts: receipts.map(toBase64url),
  };
}

interface Opened {
  readonly where: string;
  readonly sender: ProofRole;
  readonly envelope: Envelope;
  readonly hash: string;
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function bytesOf(text: string): Uint8Array | null {
  try {
    return fromBase64url(text);
  } catch {
    return null;
  }
}

/**
 * Checks a bundle (parsed JSON of unknown shape) and reports every message
 * it proves and every failure, each with a stable code. Never throws.
 */
export function verifyProofBundle(crypto: Crypto, bundle: unknown): ProofReport {
  const failures: ProofFailure[] = [];
  const fail = (code: ProofFailureCode, where: string | null, message: string): void => void failures.push({ code, where, message });
  const invalid = (message: string): ProofReport => ({ valid: false, securityCode: null, signingKeys: null, messages: [], failures: [{ code: 'BAD_FORMAT', where: null, message }] });

  if (typeof bundle !== 'object' || bundle === null) return invalid('not a JSON object');
  const b = bundle as Record<string, unknown>;
  if (b['type'] !== PROOF_TYPE) return invalid(`type is not "${PROOF_TYPE}"`);
  if (b['version'] !== PROOF_VERSION) return invalid(`unsupported version ${typeof b['version'] === 'number' ? b['version'] : typeof b['version']}`);
  if (typeof b['associatedData'] !== 'string' || !isStringArray(b['envelopes']) || !isStringArray(b['receipts'])) {
    return invalid('associatedData, envelopes or receipts missing or of the wrong type');
  }
  if (b['envelopes'].length + b['receipts'].length > MAX_ENTRIES) return invalid(`more than ${MAX_ENTRIES} envelopes`);
  const ad = bytesOf(b['associatedData']);
  let keys: { inviter: Uint8Array; joiner: Uint8Array };
  try {
    if (ad === null) throw new DecodeError('INVALID', 'not base64url');
    keys = signingKeysOfAssociatedData(ad);
  } catch (error) {
    return invalid(`associatedData: ${(error as Error).message}`);
  }
  const signingKeys = { inviter: toBase64url(keys.inviter), joiner: toBase64url(keys.joiner) };
  const claimed = b['signingKeys'] as Record<string, unknown> | undefined;
  if (claimed?.['inviter'] !== signingKeys.inviter || claimed['joiner'] !== signingKeys.joiner) {
    fail('KEY_MISMATCH', null, 'signingKeys differ from the keys in the associated data');
  }
  const code = securityCode(crypto, ad!);
  if (b['securityCode'] !== code) fail('CODE_MISMATCH', null, `securityCode differs from the associated data's (${code})`);

  const open = (list: readonly string[], name: string): Opened[] =>
    list.flatMap((text, i): Opened[] => {
      const where = `${name}[${i}]`;
      const signed = bytesOf(text);
      if (signed === null) return (fail('BAD_FORMAT', where, 'not base64url'), []);
      for (const sender of ['inviter', 'joiner'] as const) {
        try {
          return [{ where, sender, envelope: openEnvelope(crypto, keys[sender], signed), hash: toHex(envelopeHash(crypto, signed)) }];
        } catch {
          // Not this key (or malformed): try the other, then report.
        }
      }
      fail('BAD_SIGNATURE', where, 'signed by neither signing key of the connection (or altered)');
      return [];
    });
  const range = open(b['envelopes'], 'envelopes');
  const late = open(b['receipts'], 'receipts');
  // A hole in the seqs is reported only when every listed envelope opened: otherwise the one that failed explains it.
  const report = range.length === b['envelopes'].length ? fail : (code: ProofFailureCode, where: string | null, message: string) => code !== 'GAP' && fail(code, where, message);

  checkRange(range, report);
  for (const receipt of late) {
    if (receipt.envelope.content.type !== 'receipt' && receipt.envelope.content.type !== 'receipts') {
      fail('BAD_FORMAT', receipt.where, `a ${receipt.envelope.content.type} envelope among the receipts`);
    }
  }
  const acknowledged = matchReceipts([...range, ...late], range, report);

  const messages = range.map((o, i): ProvenMessage => ({
    position: i + 1,
    sender: o.sender,
    signingKey: signingKeys[o.sender],
    seq: o.envelope.seq,
    timestamp: o.envelope.timestamp,
    type: o.envelope.content.type,
    text: o.envelope.content.type === 'text' ? o.envelope.content.text : null,
    hash: o.hash,
    receipt: acknowledged.get(o) ?? null,
  }));
  return { valid: failures.length === 0, securityCode: code, signingKeys, messages, failures };
}

/**
 * The range is complete and in order: no envelope twice, no two envelopes
 * with one seq, each sender's seqs consecutive with each prevSentHash the
 * hash of the one before, and the listed order consistent with both
 * sides' seqs and with what each envelope says it had received.
 */
function checkRange(range: readonly Opened[], fail: (code: ProofFailureCode, where: string | null, message: string) => void): void {
  const byHash = new Map<string, number>();
  range.forEach((o, i) => {
    const first = byHash.get(o.hash);
    if (first !== undefined) fail('DUPLICATE', o.where, `the same envelope as envelopes[${first}]`);
    else byHash.set(o.hash, i);
  });
  const position = new Map(range.map((o, i) => [o, i]));
  for (const sender of ['inviter', 'joiner'] as const) {
    const mine = range.filter((o) => o.sender === sender && byHash.get(o.hash) === position.get(o));
    const bySeq = new Map<number, Opened>();
    for (const o of mine) {
      const other = bySeq.get(o.envelope.seq);
      if (other !== undefined) fail('CONFLICT', o.where, `two different envelopes with seq ${o.envelope.seq} from the ${sender} (also ${other.where})`);
      else bySeq.set(o.envelope.seq, o);
    }
    const seqs = [...bySeq.keys()].sort((x, y) => x - y);
    for (let i = 1; i < seqs.length; i++) {
      const before = bySeq.get(seqs[i - 1]!)!;
      const after = bySeq.get(seqs[i]!)!;
      if (seqs[i]! !== seqs[i - 1]! + 1) {
        fail('GAP', after.where, `the ${sender}'s envelopes ${seqs[i - 1]! + 1}..${seqs[i]! - 1} are missing from the range`);
      } else if (toHex(after.envelope.prevSentHash) !== before.hash) {
        fail('CHAIN_BROKEN', after.where, `prevSentHash of the ${sender}'s envelope ${seqs[i]} is not the hash of envelope ${seqs[i - 1]}`);
      }
    }
    // Listed order within one sender: by seq.
    for (let i = 1; i < mine.length; i++) {
      if (mine[i]!.envelope.seq < mine[i - 1]!.envelope.seq) fail('ORDER', mine[i]!.where, `listed after the ${sender}'s later envelope ${mine[i - 1]!.envelope.seq}`);
    }
  }
  // Across senders: an envelope that names another as the last it received comes after it.
  range.forEach((o, i) => {
    const named = byHash.get(toHex(o.envelope.lastReceivedHash));
    if (named !== undefined && named > i) fail('ORDER', o.where, `listed before envelopes[${named}], which it says it had received`);
  });
  // And nothing of the other side is missing between two of them: once a sender has named (or acknowledged) an
  // envelope of the range as received, every envelope it names later was received after that one, so it lies
  // inside the range too. What a sender received moves only forward.
  for (const sender of ['inviter', 'joiner'] as const) {
    let seenInRange = false;
    for (const o of range.filter((e) => e.sender === sender).sort((x, y) => x.envelope.seq - y.envelope.seq)) {
      const named = toHex(o.envelope.lastReceivedHash);
      if (byHash.has(named)) seenInRange = true;
      else if (seenInRange && named !== ZERO_HEX) fail('GAP', o.where, `names as received an envelope of the other side that the range lacks`);
      if (acknowledgesRange(o, byHash)) seenInRange = true;
    }
  }
}

const ZERO_HEX = '00'.repeat(32);

/** Whether a receipt envelope acknowledges an envelope of the range (by hash). */
function acknowledgesRange(o: Opened, byHash: ReadonlyMap<string, number>): boolean {
  const content = o.envelope.content;
  const items = content.type === 'receipt' ? [content] : content.type === 'receipts' ? content.receipts : [];
  return items.some((item) => byHash.has(toHex(item.hash)));
}

/**
 * Which envelope of the range each receipt acknowledges. A receipt naming a
 * range envelope's seq with another hash fails; so does a receipt inside the
 * range naming an envelope the range lacks although it falls within the
 * range of its sender's seqs (it was sent before the receipt, so it was
 * dropped from the range, even if it was the sender's last).
 */
function matchReceipts(all: readonly Opened[], range: readonly Opened[], fail: (code: ProofFailureCode, where: string | null, message: string) => void): Map<Opened, { seq: number; timestamp: number }> {
  const acknowledged = new Map<Opened, { seq: number; timestamp: number }>();
  const first: Record<ProofRole, number> = { inviter: Infinity, joiner: Infinity };
  const bySenderSeq = new Map<string, Opened>();
  const position = new Map(range.map((o, i) => [o, i]));
  for (const o of range) {
    first[o.sender] = Math.min(first[o.sender], o.envelope.seq);
    if (!bySenderSeq.has(`${o.sender} ${o.envelope.seq}`)) bySenderSeq.set(`${o.sender} ${o.envelope.seq}`, o);
  }
  for (const r of all) {
    const content = r.envelope.content;
    const items = content.type === 'receipt' ? [content] : content.type === 'receipts' ? content.receipts : [];
    for (const item of items) {
      const other: ProofRole = r.sender === 'inviter' ? 'joiner' : 'inviter';
      const target = bySenderSeq.get(`${other} ${item.seq}`);
      const inRange = position.get(r);
      if (target === undefined) {
        if (inRange !== undefined && item.seq >= first[other]) fail('GAP', r.where, `acknowledges the ${other}'s envelope ${item.seq}, which the range lacks`);
        continue; // otherwise it acknowledges an envelope before or after the range
      }
      if (inRange !== undefined && inRange < position.get(target)!) fail('ORDER', r.where, `listed before ${target.where}, which it acknowledges`);
      if (toHex(item.hash) !== target.hash) {
        fail('RECEIPT_MISMATCH', r.where, `acknowledges envelope ${item.seq} with another hash than ${target.where}'s`);
        continue;
      }
      if (!acknowledged.has(target)) acknowledged.set(target, { seq: r.envelope.seq, timestamp: r.envelope.timestamp });
    }
  }
  return acknowledged;
}
