/**
 * Client benchmark, part 1: the client-side message path on one core, for
 * 256-byte text messages, both parties (sender A and recipient B) in this
 * process, so one message = the sender's work + the recipient's work.
 *
 *   node bench/dist/client.js [--seconds S] [--noble-seconds S] [--warmup-seconds S]
 *                             [--burst N] [--body-size B] [--backends sodium,noble]
 *                             [--only ratchet,signed,persisted] [--patterns burst,alternating]
 *                             [--no-primitives] [--json] [--time-limit S]
 *
 * Levels, per message (the message is a text content of --body-size ASCII bytes):
 * 1. ratchet:   ratchetEncrypt (A) + ratchetDecrypt (B) of the text's bytes alone.
 * 2. signed:    the client's own code from @graphchat/core, called as
 *               packages/client/src/conversation/envelope-crypto.ts, outbox/enqueue.ts, conversation/receive.ts and
 *               inbound.ts call it, with the ratchet state kept in memory.
 *               A (sealEnvelope): signEnvelope (the envelope of graph-chat §4,
 *               Ed25519 over "graphchat envelope v1" || envelope), envelopeHash
 *               (SHA-256 of the signed envelope, for the next prevSentHash),
 *               padPlaintext (§5: to 512 bytes for 256-byte texts),
 *               ratchetEncrypt, then encodeQueueBody (§3).
 *               B: decodeQueueBody, ratchetDecrypt, unpadPlaintext (decryptEnvelope),
 *               openEnvelope (verify, then decode) and envelopeHash (verifyEnvelope),
 *               then the checks: seq is the next one and prevSentHash is the
 *               hash of the last envelope received.
 * 3. persisted: level 2 with the ratchet state encoded as the client stores it:
 *               decodeRatchetState before and encodeRatchetState after every
 *               message on both sides, as conversation/envelope-crypto.ts does (the storage
 *               write itself is not included).
 *
 * Patterns:
 * - burst:       A sends N (--burst, 1000) messages, then B receives them; repeated.
 *                One sending chain: no DH ratchet step.
 * - alternating: every message changes direction, so every received message
 *                is a DH ratchet step (X25519 key generation + 2 X25519 + 2 KDF_RK).
 *
 * Each case runs on a fresh pair of sessions: warm-up, then a fixed time.
 * The sodium backend (the Node client's) gets --seconds (2), the noble backend
 * (the browser's, pure JavaScript) --noble-seconds (1.5). A table of the
 * primitives' unit costs follows (at the sizes of the real path: the signed
 * envelope, the signature input, the padded plaintext), and a breakdown of
 * where the time of a sodium level-2 message (and a level-3 burst message)
 * goes: the primitives timed alone, with the rate they alone would allow, and
 * the rest (codecs, padding, copies, bookkeeping, GC). Target: >= 10,000
 * messages/s for level 2, burst, with sodium on one core (libsignal's Node binding:
 * ~2,600/s on this machine, without signatures).
 *
 * The report goes to stdout and to bench/results/client-<date>.json; --json
 * also prints the JSON as the last line of stdout. Profile with
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/client.js --backends sodium --no-primitives
 */
import { createHmac } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  concatBytes,
  decodeQueueBody,
  decodeRatchetState,
  encodeQueueBody,
  encodeRatchetState,
  ENVELOPE_SIGNATURE_CONTEXT,
  HEADER_LENGTH,
  envelopeHash,
  equalBytes,
  initReceiver,
  initSender,
  nobleCrypto,
  openEnvelope,
  padPlaintext,
  ratchetDecrypt,
  ratchetEncrypt,
  signEnvelope,
  toHex,
  unpadPlaintext,
  utf8,
  ZERO_HASH,
  type Content,
  type Crypto,
  type Envelope,
  type KeyPair,
  type RatchetState,
} from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { fmt, machineBusy, parseBenchOptions, positive, progress, runMain, saveResults, table, usageError } from './support.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // bench/dist
const ROOT = resolve(HERE, '..', '..');

const TARGET_MESSAGES_PER_SECOND = 10_000;
const LIBSIGNAL_MESSAGES_PER_SECOND = 2_600;
const SIGNATURE_LENGTH = 64;

// ---------------------------------------------------------------------------
// Options

const OPTIONS = {
  seconds: { type: 'string', default: '2' },
  'noble-seconds': { type: 'string', default: '1.5' },
  'warmup-seconds': { type: 'string', default: '0.4' },
  burst: { type: 'string', default: '1000' },
  'noble-burst': { type: 'string', default: '250' },
  'body-size': { type: 'string', default: '256' },
  backends: { type: 'string', default: 'sodium,sodium-fastkdf,noble' },
  only: { type: 'string', default: 'ratchet,signed,persisted' },
  patterns: { type: 'string', default: 'burst,alternating' },
  'no-primitives': { type: 'boolean', default: false },
  'time-limit': { type: 'string', default: '120' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const args = parseBenchOptions(OPTIONS, import.meta.url);


type Level = 'ratchet' | 'signed' | 'persisted';
type Pattern = 'burst' | 'alternating';
type BackendName = 'sodium' | 'sodium-fastkdf' | 'noble';
const LEVELS: readonly Level[] = ['ratchet', 'signed', 'persisted'];
const PATTERNS: readonly Pattern[] = ['burst', 'alternating'];

/**
 * What-if backend, not used by the client: sodiumCrypto with HMAC-SHA256 and
 * HKDF-SHA256 from node:crypto (OpenSSL's createHmac) instead of its own,
 * built on libsodium's SHA-256, for comparison. Checked against noble at
 * start-up.
 */
function nativeHmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createHmac('sha256', key).update(data).digest();
}

const ZERO_SALT = new Uint8Array(32);

function nativeHkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new RangeError(`HKDF length out of range: ${length}`);
  const prk = nativeHmacSha256(salt.length === 0 ? ZERO_SALT : salt, ikm);
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++, offset += 32) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Uint8Array.of(i)).digest();
    out.set(previous.subarray(0, Math.min(32, length - offset)), offset);
  }
  prk.fill(0);
  previous.fill(0);
  return out;
}

const sodiumFastKdf: Crypto = { ...sodiumCrypto, name: 'sodium-fastkdf', hmacSha256: nativeHmacSha256, hkdfSha256: nativeHkdfSha256 };

function checkFastKdf(): void {
  const key = nobleCrypto.randomBytes(32);
  const info = utf8('graphchat ratchet root');
  const same =
    equalBytes(nativeHmacSha256(key, Uint8Array.of(1)), nobleCrypto.hmacSha256(key, Uint8Array.of(1))) &&
    equalBytes(nativeHkdfSha256(key, new Uint8Array(0), info, 56), nobleCrypto.hkdfSha256(key, new Uint8Array(0), info, 56)) &&
    equalBytes(nativeHkdfSha256(key, key, info, 64), nobleCrypto.hkdfSha256(key, key, info, 64));
  if (!same) throw new Error('sodium-fastkdf: node:crypto HMAC/HKDF disagree with noble');
}

const BACKENDS: Record<BackendName, Crypto> = { sodium: sodiumCrypto, 'sodium-fastkdf': sodiumFastKdf, noble: nobleCrypto };

function list<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const values = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const value of values) if (!allowed.includes(value as T)) usageError(`--${name}: unknown value "${value}"`);
  if (values.length === 0) usageError(`--${name} is empty`);
  return allowed.filter((value) => values.includes(value)); // canonical order
}

const options = {
  seconds: positive('seconds', args.seconds, false),
  nobleSeconds: positive('noble-seconds', args['noble-seconds'], false),
  warmupSeconds: positive('warmup-seconds', args['warmup-seconds'], false),
  burst: positive('burst', args.burst, true),
  nobleBurst: positive('noble-burst', args['noble-burst'], true),
  bodySize: positive('body-size', args['body-size'], true),
  backends: list<BackendName>('backends', args.backends, ['sodium', 'sodium-fastkdf', 'noble']),
  levels: list<Level>('only', args.only, LEVELS),
  patterns: list<Pattern>('patterns', args.patterns, PATTERNS),
  primitives: !args['no-primitives'],
  timeLimitSeconds: positive('time-limit', args['time-limit'], false),
};

process.on('uncaughtException', (error) => {
  process.stderr.write(`bench: ${error.stack ?? String(error)}\n`);
  process.exit(1);
});
// The measurements are synchronous loops: this timer fires between cases at the latest.
setTimeout(() => {
  process.stderr.write(`bench: time limit of ${options.timeLimitSeconds} s exceeded, stopping\n`);
  process.exit(1);
}, options.timeLimitSeconds * 1000).unref();

// ---------------------------------------------------------------------------
// The two parties

/**
 * One side of the connection: the fields of the client's ConnectionRecord
 * that packages/client/src/conversation/envelope-crypto.ts and inbound.ts read and write.
 */
interface Party {
  readonly name: string;
  /** The ratchet state in memory (levels 1 and 2). */
  state: RatchetState;
  /** The encoded ratchet state (level 3), as ConnectionRecord.ratchet holds it. */
  stored: Uint8Array;
  /** Per-connection Ed25519 key pair. */
  readonly signing: KeyPair;
  peerSigningKey: Uint8Array;
  lastSentSeq: number;
  lastSentHash: Uint8Array;
  lastReceivedSeq: number;
  lastReceivedHash: Uint8Array;
  maxStoredBytes: number;
}

/** Level 1: the ratchet's output; levels 2 and 3: the message queue body (graph-chat §3). */
type Wire = { readonly header: Uint8Array; readonly ciphertext: Uint8Array } | Uint8Array;

function party(name: string, crypto: Crypto, state: RatchetState): Party {
  return {
    name,
    state,
    stored: encodeRatchetState(state),
    signing: crypto.ed25519KeyPair(),
    peerSigningKey: ZERO_HASH,
    lastSentSeq: 0,
    lastSentHash: ZERO_HASH,
    lastReceivedSeq: 0,
    lastReceivedHash: ZERO_HASH,
    maxStoredBytes: 0,
  };
}

/** A (sender, initSender) and B (receiver, initReceiver) sharing a fresh secret, as after the key agreement. */
function makePair(crypto: Crypto): { a: Party; b: Party; ad: Uint8Array } {
  const sharedKey = crypto.randomBytes(32);
  const bobRatchet = crypto.x25519KeyPair();
  const a = party('A', crypto, initSender(crypto, sharedKey, bobRatchet.publicKey));
  const b = party('B', crypto, initReceiver(crypto, sharedKey, bobRatchet));
  a.peerSigningKey = b.signing.publicKey;
  b.peerSigningKey = a.signing.publicKey;
  // Associated data: both parties' identity keys in the real protocol; 64 bytes here.
  const ad = crypto.randomBytes(64);
  return { a, b, ad };
}

/** Printable ASCII text of `length` bytes: the text content of a chat message. */
function messageText(crypto: Crypto, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,';
  let text = '';
  for (const byte of crypto.randomBytes(length)) text += alphabet[byte & 63];
  return text;
}

/** The ratchet state before a message: level 3 decodes the stored one, as conversation/envelope-crypto.ts does. */
function loadState(level: Level, p: Party): RatchetState {
  return level === 'persisted' ? decodeRatchetState(p.stored) : p.state;
}

function saveState(level: Level, p: Party, state: RatchetState): void {
  if (level !== 'persisted') {
    p.state = state;
    return;
  }
  const stored = encodeRatchetState(state);
  p.stored = stored;
  if (stored.length > p.maxStoredBytes) p.maxStoredBytes = stored.length;
}

/** A chat message: its text content (levels 2 and 3) and the text's bytes (level 1). */
interface Message {
  readonly content: Content;
  readonly bytes: Uint8Array;
}

/** Levels 2 and 3: sealEnvelope of conversation/envelope-crypto.ts, then the queue body the outbox sends. */
function send(crypto: Crypto, level: Level, from: Party, message: Message, ad: Uint8Array): Wire {
  if (level === 'ratchet') {
    const { state, header, ciphertext } = ratchetEncrypt(crypto, from.state, message.bytes, ad);
    from.state = state;
    from.lastSentSeq++; // only to take turns in the alternating pattern
    return { header, ciphertext };
  }
  const envelope: Envelope = {
    seq: from.lastSentSeq + 1,
    timestamp: Date.now(),
    prevSentHash: from.lastSentHash,
    lastReceivedHash: from.lastReceivedHash,
    content: message.content,
  };
  const signed = signEnvelope(crypto, from.signing.secretKey, envelope);
  const hash = envelopeHash(crypto, signed);
  const encrypted = ratchetEncrypt(crypto, loadState(level, from), padPlaintext(signed), ad);
  saveState(level, from, encrypted.state);
  from.lastSentSeq = envelope.seq;
  from.lastSentHash = hash;
  return encodeQueueBody({ type: 'message', header: encrypted.header, ciphertext: encrypted.ciphertext });
}

/**
 * Levels 2 and 3: the agent's receive (decodeQueueBody), decryptEnvelope and
 * verifyEnvelope of conversation/envelope-crypto.ts, and the checks of receive.ts and
 * inbound.ts: the next seq, chained to the previous envelope.
 */
function receive(crypto: Crypto, level: Level, to: Party, wire: Wire, ad: Uint8Array, bodySize: number): void {
  if (!(wire instanceof Uint8Array)) {
    const { state, plaintext } = ratchetDecrypt(crypto, to.state, wire.header, wire.ciphertext, ad);
    to.state = state;
    if (plaintext.length !== bodySize) throw new Error(`${to.name}: got ${plaintext.length} bytes`);
    return;
  }
  const body = decodeQueueBody(wire);
  if (body.type !== 'message') throw new Error(`${to.name}: a ${body.type} body`);
  const decrypted = ratchetDecrypt(crypto, loadState(level, to), body.header, body.ciphertext, ad);
  saveState(level, to, decrypted.state);
  const signed = unpadPlaintext(decrypted.plaintext);
  const envelope = openEnvelope(crypto, to.peerSigningKey, signed);
  const hash = envelopeHash(crypto, signed);
  if (envelope.seq !== to.lastReceivedSeq + 1) throw new Error(`${to.name}: seq ${envelope.seq}, expected ${to.lastReceivedSeq + 1}`);
  if (!equalBytes(envelope.prevSentHash, to.lastReceivedHash)) throw new Error(`${to.name}: hash chain broken at ${envelope.seq}`);
  if (envelope.content.type !== 'text' || envelope.content.text.length !== bodySize) throw new Error(`${to.name}: unexpected content`);
  to.lastReceivedSeq = envelope.seq;
  to.lastReceivedHash = hash;
}

// ---------------------------------------------------------------------------
// Cases

interface CaseResult {
  readonly backend: BackendName;
  readonly level: Level;
  readonly pattern: Pattern;
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly microsPerMessage: number;
  /** Time in the sender's half (envelope, sign, encrypt, persist) and the recipient's half, per message. */
  readonly sendMicros: number;
  readonly receiveMicros: number;
  /** Process CPU time over wall time (100 % = one core busy). */
  readonly cpuPercent: number;
  /** Largest encodeRatchetState output seen (level 3). */
  readonly stateBytes: number | null;
  readonly target: number | null;
  readonly pass: boolean | null;
}

interface Counters {
  messages: number;
  sendMs: number;
  receiveMs: number;
}

/** Runs the pattern until `ms` have passed (checked between bursts, or between messages when alternating). */
function runPattern(
  crypto: Crypto,
  level: Level,
  pattern: Pattern,
  pair: { a: Party; b: Party; ad: Uint8Array },
  message: Message,
  ms: number,
  counters: Counters,
  burst: number,
): void {
  const { a, b, ad } = pair;
  const end = performance.now() + ms;
  if (pattern === 'burst') {
    const wires: Wire[] = new Array(burst);
    while (performance.now() < end) {
      const t0 = performance.now();
      for (let i = 0; i < burst; i++) wires[i] = send(crypto, level, a, message, ad);
      const t1 = performance.now();
      for (let i = 0; i < burst; i++) receive(crypto, level, b, wires[i]!, ad, message.bytes.length);
      const t2 = performance.now();
      counters.sendMs += t1 - t0;
      counters.receiveMs += t2 - t1;
      counters.messages += burst;
    }
  } else {
    // A starts (B, the receiver, cannot send first); the turn carries over between calls.
    let from = a.lastSentSeq === b.lastSentSeq ? a : b;
    for (let t0 = performance.now(); t0 < end; ) {
      const to = from === a ? b : a;
      const wire = send(crypto, level, from, message, ad);
      const t1 = performance.now();
      receive(crypto, level, to, wire, ad, message.bytes.length);
      const t2 = performance.now();
      counters.sendMs += t1 - t0;
      counters.receiveMs += t2 - t1;
      counters.messages++;
      from = to;
      t0 = t2;
    }
  }
}

function runCase(backend: BackendName, level: Level, pattern: Pattern, seconds: number): CaseResult {
  const crypto = BACKENDS[backend];
  const text = messageText(crypto, options.bodySize);
  const message: Message = { content: { type: 'text', text }, bytes: utf8(text) };
  const pair = makePair(crypto);
  const burst = backend === 'noble' ? options.nobleBurst : options.burst;
  runPattern(crypto, level, pattern, pair, message, options.warmupSeconds * 1000, { messages: 0, sendMs: 0, receiveMs: 0 }, burst);
  const counters: Counters = { messages: 0, sendMs: 0, receiveMs: 0 };
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  runPattern(crypto, level, pattern, pair, message, seconds * 1000, counters, burst);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const messagesPerSecond = counters.messages / elapsed;
  // The target is the issue's: encrypt + sign + verify + decrypt (level 2), of messages that follow each other in a
  // chain (burst), with the Node client's backend. The other rows show what storing the state and a DH step per message add.
  const targeted = backend !== 'noble' && level === 'signed' && pattern === 'burst';
  return {
    backend,
    level,
    pattern,
    messages: counters.messages,
    seconds: elapsed,
    messagesPerSecond,
    microsPerMessage: (1e6 * elapsed) / counters.messages,
    sendMicros: (1e3 * counters.sendMs) / counters.messages,
    receiveMicros: (1e3 * counters.receiveMs) / counters.messages,
    cpuPercent: (100 * (cpu.user + cpu.system)) / 1e6 / elapsed,
    stateBytes: level === 'persisted' ? Math.max(pair.a.maxStoredBytes, pair.b.maxStoredBytes) : null,
    target: targeted ? TARGET_MESSAGES_PER_SECOND : null,
    pass: targeted ? messagesPerSecond >= TARGET_MESSAGES_PER_SECOND : null,
  };
}

// ---------------------------------------------------------------------------
// Primitives: unit costs, for the breakdown

type PrimitiveName =
  | 'hmacSha256 (KDF_CK half)'
  | 'hkdfSha256 64 B (KDF_RK)'
  | 'chacha20poly1305 encrypt (padded)'
  | 'chacha20poly1305 decrypt (padded)'
  | 'sha256 (envelopeHash)'
  | 'ed25519 sign (context || envelope)'
  | 'ed25519 verify (context || envelope)'
  | 'x25519 key pair'
  | 'x25519'
  | 'toHex 32 B (skipped-key id)'
  | 'encodeRatchetState'
  | 'decodeRatchetState';

/** Sizes in the real path for a text of `bodySize` bytes: signed envelope, signature input, padded plaintext. */
function envelopeSizes(crypto: Crypto, bodySize: number): { signed: Uint8Array; signatureInput: Uint8Array; padded: Uint8Array } {
  const signing = crypto.ed25519KeyPair();
  const content: Content = { type: 'text', text: messageText(crypto, bodySize) };
  const signed = signEnvelope(crypto, signing.secretKey, { seq: 1, timestamp: Date.now(), prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content });
  const signatureInput = concatBytes(utf8(ENVELOPE_SIGNATURE_CONTEXT), signed.subarray(0, signed.length - SIGNATURE_LENGTH));
  return { signed, signatureInput, padded: padPlaintext(signed) };
}

/** Microseconds per call of `fn`, over about `ms` after a short warm-up. */
function timeOp(fn: () => unknown, ms: number): number {
  const warmEnd = performance.now() + Math.min(50, ms / 4);
  while (performance.now() < warmEnd) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  }
  return (1e3 * (now - start)) / calls;
}

function primitives(backend: BackendName, ms: number): Record<PrimitiveName, number> {
  const crypto = BACKENDS[backend];
  const key = crypto.randomBytes(32);
  const one = Uint8Array.of(1);
  const info = utf8('graphchat ratchet root');
  const nonce = new Uint8Array(12);
  const ad = crypto.randomBytes(4 + 64 + 40); // CONCAT(ad, header)
  const { signed, signatureInput, padded } = envelopeSizes(crypto, options.bodySize);
  const ciphertext = crypto.chacha20Poly1305Encrypt(key, nonce, ad, padded);
  const signing = crypto.ed25519KeyPair();
  const signature = crypto.ed25519Sign(signing.secretKey, signatureInput);
  const dh = crypto.x25519KeyPair();
  const peer = crypto.x25519KeyPair().publicKey;
  // A state as in a burst: both chains present (after one received message).
  const { a, b, ad: pairAd } = makePair(crypto);
  const first = ratchetEncrypt(crypto, a.state, padded, pairAd);
  const state = ratchetDecrypt(crypto, b.state, first.header, first.ciphertext, pairAd).state;
  const stored = encodeRatchetState(state);
  return {
    'hmacSha256 (KDF_CK half)': timeOp(() => crypto.hmacSha256(key, one), ms),
    'hkdfSha256 64 B (KDF_RK)': timeOp(() => crypto.hkdfSha256(key, key, info, 64), ms),
    'chacha20poly1305 encrypt (padded)': timeOp(() => crypto.chacha20Poly1305Encrypt(key, nonce, ad, padded), ms),
    'chacha20poly1305 decrypt (padded)': timeOp(() => crypto.chacha20Poly1305Decrypt(key, nonce, ad, ciphertext), ms),
    'sha256 (envelopeHash)': timeOp(() => crypto.sha256(signed), ms),
    'ed25519 sign (context || envelope)': timeOp(() => crypto.ed25519Sign(signing.secretKey, signatureInput), ms),
    'ed25519 verify (context || envelope)': timeOp(() => crypto.ed25519Verify(signing.publicKey, signatureInput, signature), ms),
    'x25519 key pair': timeOp(() => crypto.x25519KeyPair(), ms),
    x25519: timeOp(() => crypto.x25519(dh.secretKey, peer), ms),
    'toHex 32 B (skipped-key id)': timeOp(() => toHex(peer), ms),
    encodeRatchetState: timeOp(() => encodeRatchetState(state), ms),
    decodeRatchetState: timeOp(() => decodeRatchetState(stored), ms),
  };
}

/** Calls of each primitive per message (sender + recipient), by level and pattern. */
function callsPerMessage(level: Level, pattern: Pattern): Partial<Record<PrimitiveName, number>> {
  const calls: Partial<Record<PrimitiveName, number>> = {
    'hmacSha256 (KDF_CK half)': 4, // kdfCk: 2 HMACs on each side
    'chacha20poly1305 encrypt (padded)': 1, // ENCRYPT keyed by mk itself; level 1: of the body alone, so a little less
    'chacha20poly1305 decrypt (padded)': 1,
    // toHex (the skipped-key id): none, since ratchetDecrypt looks a header up in MKSKIPPED only when that is not empty
  };
  if (pattern === 'alternating') {
    calls['x25519 key pair'] = 1;
    calls['x25519'] = 2;
    calls['hkdfSha256 64 B (KDF_RK)'] = 2;
  }
  if (level !== 'ratchet') {
    calls['sha256 (envelopeHash)'] = 2; // sender and recipient
    calls['ed25519 sign (context || envelope)'] = 1;
    calls['ed25519 verify (context || envelope)'] = 1;
  }
  if (level === 'persisted') {
    calls['decodeRatchetState'] = 2;
    calls['encodeRatchetState'] = 2;
  }
  return calls;
}

interface Breakdown {
  readonly backend: BackendName;
  readonly level: Level;
  readonly pattern: Pattern;
  readonly measuredMicros: number;
  readonly parts: { name: string; calls: number; micros: number; percent: number }[];
  /** Measured minus the modelled primitives: ratchet bookkeeping (state copies, makeState, header/AD encoding), envelope and content codecs, padding, queue body, allocation, GC. */
  readonly restMicros: number;
}

function breakdown(result: CaseResult, unit: Record<PrimitiveName, number>): Breakdown {
  const parts = Object.entries(callsPerMessage(result.level, result.pattern)).map(([name, calls]) => {
    const micros = calls! * unit[name as PrimitiveName];
    return { name, calls: calls!, micros, percent: (100 * micros) / result.microsPerMessage };
  });
  parts.sort((x, y) => y.micros - x.micros);
  const modelled = parts.reduce((sum, part) => sum + part.micros, 0);
  return { backend: result.backend, level: result.level, pattern: result.pattern, measuredMicros: result.microsPerMessage, parts, restMicros: result.microsPerMessage - modelled };
}

// ---------------------------------------------------------------------------
// Machine load (as in relay.ts)



// ---------------------------------------------------------------------------
// Report

const us = (n: number) => fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0);


const LEVEL_LABEL: Record<Level, string> = {
  ratchet: '1 ratchet only',
  signed: '2 envelope+sign+ratchet',
  persisted: '3 = 2 + state codec x2',
};

async function main(): Promise<void> {
  const started = performance.now();
  const results: {
    date: string;
    node: string;
    cpus: number;
    cpuModel: string;
    busyBefore: number;
    options: typeof options;
    cases: CaseResult[];
    primitives: Partial<Record<BackendName, Record<PrimitiveName, number>>>;
    breakdowns: Breakdown[];
    pass: Record<string, boolean>;
    seconds?: number;
  } = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    busyBefore: await machineBusy(1000),
    options,
    cases: [],
    primitives: {},
    breakdowns: [],
    pass: {},
  };
  if (results.busyBefore > 10) progress(`note: ${fmt(results.busyBefore)} % of the machine's CPU was busy before the run; other processes will skew the figures`);

  for (const backend of options.backends) {
    if (backend === 'sodium-fastkdf') checkFastKdf();
    const seconds = backend === 'noble' ? options.nobleSeconds : options.seconds;
    for (const level of options.levels) {
      for (const pattern of options.patterns) {
        const r = runCase(backend, level, pattern, seconds);
        results.cases.push(r);
        progress(`${backend} ${level} ${pattern}: ${fmt(r.messagesPerSecond)} msg/s, ${us(r.microsPerMessage)} us/msg (${fmt(r.messages)} messages)`);
        if (r.pass !== null && backend === 'sodium') results.pass[`${backend}.${level}.${pattern}`] = r.pass;
      }
    }
    if (options.primitives) {
      const unit = primitives(backend, backend === 'noble' ? 200 : 150);
      results.primitives[backend] = unit;
      for (const r of results.cases) if (r.backend === backend && r.level !== 'ratchet') results.breakdowns.push(breakdown(r, unit));
    }
  }
  results.seconds = (performance.now() - started) / 1000;

  const rows: string[][] = [['backend / level / pattern', 'msg/s', 'us/msg', 'send us', 'recv us', 'CPU', 'state B', 'target', '']];
  for (const r of results.cases) {
    rows.push([
      `${r.backend.padEnd(14)} ${LEVEL_LABEL[r.level].padEnd(24)} ${r.pattern}`,
      fmt(r.messagesPerSecond),
      us(r.microsPerMessage),
      us(r.sendMicros),
      us(r.receiveMicros),
      `${fmt(r.cpuPercent)} %`,
      r.stateBytes === null ? '' : fmt(r.stateBytes),
      r.target === null ? (r.backend === 'noble' ? 'ref.' : '') : `>= ${fmt(r.target)}/s`,
      r.pass === null ? '' : r.backend === 'sodium' ? (r.pass ? 'PASS' : 'FAIL') : r.pass ? '(pass)' : '(fail)',
    ]);
  }
  const header =
    `graphchat client benchmark (one core, A and B in one process): ${options.bodySize}-byte bodies, bursts of ${options.burst} (noble ${options.nobleBurst}), ` +
    `${results.cpus} CPUs (${results.cpuModel.trim()}), node ${process.version}, CPU busy before ${fmt(results.busyBefore)} %, ${fmt(results.seconds, 1)} s`;
  let out = `\n${header}\n${table(rows)}\n`;
  out += `(one message = sender's half + recipient's half; reference: libsignal's Node binding ~${fmt(LIBSIGNAL_MESSAGES_PER_SECOND)} msg/s here, unsigned)\n`;
  out += `(CPU above 100 %: V8's garbage collector and compiler threads use the second core; node --single-threaded-gc keeps it to one)\n`;
  const sides = results.cases.filter((r) => r.backend === 'sodium' && r.level !== 'ratchet');
  if (sides.length > 0) {
    out += `(a client does one half per message: sodium, sending only / receiving only: `;
    out += sides.map((r) => `level ${LEVEL_LABEL[r.level][0]} ${r.pattern} ${fmt(1e6 / r.sendMicros)} / ${fmt(1e6 / r.receiveMicros)} msg/s`).join('; ');
    out += `)\n`;
  }
  if (options.backends.includes('sodium-fastkdf')) out += `(sodium-fastkdf: what-if, sodium with HMAC/HKDF-SHA256 from node:crypto's createHmac instead of its own; not what the client runs)\n`;

  const backendsWithUnits = options.backends.filter((b) => results.primitives[b] !== undefined);
  if (backendsWithUnits.length > 0) {
    const names = Object.keys(results.primitives[backendsWithUnits[0]!]!) as PrimitiveName[];
    const prow: string[][] = [['primitive (us per call)', ...backendsWithUnits]];
    for (const name of names) prow.push([name, ...backendsWithUnits.map((b) => us(results.primitives[b]![name]))]);
    out += `\n${table(prow)}\n`;
    const sizes = envelopeSizes(sodiumCrypto, options.bodySize);
    out += `(sizes for a ${options.bodySize}-byte text: signed envelope ${sizes.signed.length} B, signature input ${sizes.signatureInput.length} B, `;
    out += `padded plaintext ${sizes.padded.length} B, queue body ${2 + HEADER_LENGTH + sizes.padded.length + 16} B)\n`;
  }
  for (const b of results.breakdowns) {
    const shown = b.backend === 'sodium' ? b.level === 'signed' || b.pattern === 'burst' : b.backend === 'sodium-fastkdf' && b.level === 'signed' && b.pattern === 'burst';
    if (!shown) continue;
    const levelNumber = b.level === 'signed' ? 2 : 3;
    const brow: string[][] = [[`where a ${b.backend} level-${levelNumber} ${b.pattern} message goes`, 'calls', 'us', 'share']];
    for (const part of b.parts) brow.push([part.name, String(part.calls), us(part.micros), `${fmt(part.percent, 1)} %`]);
    const modelled = b.measuredMicros - b.restMicros;
    brow.push([`primitives alone (at most ${fmt(1e6 / modelled)} msg/s)`, '', us(modelled), `${fmt((100 * modelled) / b.measuredMicros, 1)} %`]);
    brow.push(['rest: ratchet bookkeeping, envelope/content/queue-body codecs, padding, allocation, GC', '', us(b.restMicros), `${fmt((100 * b.restMicros) / b.measuredMicros, 1)} %`]);
    brow.push(['measured', '', us(b.measuredMicros), '100 %']);
    brow.push(['(unit costs timed in isolation, so the rest is approximate)', '', '', '']);
    out += `\n${table(brow)}\n`;
  }
  process.stdout.write(out);

  saveResults(ROOT, 'client', results, args.json);
}

runMain(main);
