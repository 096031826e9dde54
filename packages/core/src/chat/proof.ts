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
  | 'CONTEXT'
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
  /**
   * What its sender had last received from the other side when it wrote it, by its own signed
   * lastReceivedHash (proofs.md §2.1): `none` nothing signed (ZERO_HASH); `in-bundle` the envelope at
   * position `answers`; `handshake` the other side's first envelope (confirm or reply), which no export
   * holds, so it answers nothing the bundle shows but was written first thing; `outside` an envelope the
   * bundle leaves out, so it answers none of the
   * messages the bundle shows.
   */
  readonly context: ProofContext;
  /** For `in-bundle`: the position of the envelope it answers. Otherwise null. */
  readonly answers: number | null;
  /** Its lastReceivedHash (hex): for `outside`, the hash of the envelope it answers, which the bundle leaves out. */
  readonly lastReceivedHash: string;
  /**
   * The position of the other side's envelope listed last before it, when the bundle does not show that
   * its sender had received that envelope when it wrote it (the listed order is the exporter's; §2.1).
   * Null when everything listed before it is proven to have come before it.
   */
  readonly unprovenAfter: number | null;
}

/** What a message answers (ProvenMessage.context). */
export type ProofContext = 'none' | 'in-bundle' | 'handshake' | 'outside';

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
  const contexts = contextsOf(range);

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
    ...contexts[i]!,
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
  // What a sender has received only moves forward: it names the last envelope it received, and receives the
  // other side's envelopes in seq order (graph-chat §4.1, §8.2). Per sender, in seq order, `received` is the other side's
  // latest envelope of the range it has named or acknowledged so far. A later envelope naming an earlier one
  // contradicts it (CONTEXT); one naming a hash that is not in the range names an envelope received after
  // `received`, so inside the range: it was left out (GAP).
  for (const sender of ['inviter', 'joiner'] as const) {
    const other = sender === 'inviter' ? 'joiner' : 'inviter';
    let received: Opened | null = null;
    for (const o of range.filter((e) => e.sender === sender).sort((x, y) => x.envelope.seq - y.envelope.seq)) {
      const hex = toHex(o.envelope.lastReceivedHash);
      const index = byHash.get(hex);
      const named = index === undefined ? undefined : range[index]!;
      const contradictions: string[] = [];
      if (named?.sender === sender) {
        contradictions.push(`names the ${sender}'s own envelope ${named.envelope.seq} as the last it had received from the ${other}`);
      } else if (named !== undefined) {
        if (received !== null && named.envelope.seq < received.envelope.seq) {
          contradictions.push(`names the ${other}'s envelope ${named.envelope.seq} as the last it had received, after the ${sender} had received ${received.envelope.seq}`);
        } else received = named;
      } else if (received !== null && hex !== ZERO_HEX) {
        fail('GAP', o.where, `names as received an envelope of the other side that the range lacks`);
      }
      for (const acked of acknowledgedInRange(o, range, byHash)) {
        if (named !== undefined && named.sender === other && acked.envelope.seq > named.envelope.seq) {
          contradictions.push(`acknowledges the ${other}'s envelope ${acked.envelope.seq} but names the earlier ${named.envelope.seq} as the last it had received`);
        }
        if (received === null || acked.envelope.seq > received.envelope.seq) received = acked;
      }
      if (contradictions.length > 0) fail('CONTEXT', o.where, contradictions[0]!);
    }
  }
}

const ZERO_HEX = '00'.repeat(32);

/** The other side's envelopes of the range that a receipt envelope acknowledges (by hash). */
function acknowledgedInRange(o: Opened, range: readonly Opened[], byHash: ReadonlyMap<string, number>): Opened[] {
  const content = o.envelope.content;
  const items = content.type === 'receipt' ? [content] : content.type === 'receipts' ? content.receipts : [];
  return items.flatMap((item) => {
    const index = byHash.get(toHex(item.hash));
    return index !== undefined && range[index]!.sender !== o.sender ? [range[index]!] : [];
  });
}

type MessageContext = Pick<ProvenMessage, 'context' | 'answers' | 'lastReceivedHash' | 'unprovenAfter'>;

/**
 * What each envelope of the range answers, by its own lastReceivedHash, and whether the listed order
 * before it is proven (proofs.md §2.1). Its sender is proven to have received, before writing it, the
 * other side's envelopes up to the latest that it or an earlier envelope of its sender named or
 * acknowledged (each such envelope's chain holds the earlier ones). Anything of the other side listed
 * before it and after that one is the exporter's order only: it may have crossed it in transit, or been
 * written afterwards by a sender holding its own key.
 */
function contextsOf(range: readonly Opened[]): MessageContext[] {
  const byHash = new Map<string, number>();
  range.forEach((o, i) => byHash.has(o.hash) || byHash.set(o.hash, i));
  // The inviter's seq-1 envelope (the reply) carries queue keys, so no export holds it. Its hash is taken as
  // known only when both sides sign it: the inviter's seq 2 as what it followed (prevSentHash), and the joiner's
  // seq 2, its automatic hello written right after the reply, as what it had received. The inviter's seq 2 is
  // written whenever its user writes, so the joiner's confirm gets no such proof: one side alone, holding its
  // own key, could name anything there.
  const second = (sender: ProofRole) => range.find((o) => o.sender === sender && o.envelope.seq === 2)?.envelope;
  const [inviter2, joiner2] = [second('inviter'), second('joiner')];
  const reply =
    inviter2 !== undefined && joiner2 !== undefined && joiner2.content.type === 'hello' && toHex(inviter2.prevSentHash) === toHex(joiner2.lastReceivedHash)
      ? toHex(inviter2.prevSentHash)
      : null;
  /** The hash of the other side's first envelope, as each side's messages would name it. */
  const handshakeOf: Record<ProofRole, string | null> = { joiner: reply, inviter: null };
  const provenSeq = new Map<Opened, number>();
  for (const sender of ['inviter', 'joiner'] as const) {
    let latest = -1;
    for (const o of range.filter((e) => e.sender === sender).sort((x, y) => x.envelope.seq - y.envelope.seq)) {
      const named = byHash.get(toHex(o.envelope.lastReceivedHash));
      if (named !== undefined && range[named]!.sender !== sender) latest = Math.max(latest, range[named]!.envelope.seq);
      for (const acked of acknowledgedInRange(o, range, byHash)) latest = Math.max(latest, acked.envelope.seq);
      provenSeq.set(o, latest);
    }
  }
  const lastListed: Record<ProofRole, number | null> = { inviter: null, joiner: null };
  return range.map((o, i): MessageContext => {
    const other = o.sender === 'inviter' ? 'joiner' : 'inviter';
    const hex = toHex(o.envelope.lastReceivedHash);
    const named = byHash.get(hex);
    const before = lastListed[other];
    lastListed[o.sender] = i;
    return {
      context: hex === ZERO_HEX ? 'none' : named !== undefined ? 'in-bundle' : handshakeOf[o.sender] === hex ? 'handshake' : 'outside',
      answers: hex !== ZERO_HEX && named !== undefined ? named + 1 : null,
      lastReceivedHash: hex,
      unprovenAfter: before !== null && range[before]!.envelope.seq > provenSeq.get(o)! ? before + 1 : null,
    };
  });
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
