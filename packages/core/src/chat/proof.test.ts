import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromBase64url, fromHex, toBase64url } from '../bytes.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { loadVectors, readDoc } from '../test-support/vectors.js';
import { signEnvelope } from './envelope.js';
import { verifyProofBundle, type ProofBundle, type ProofFailureCode, type ProofReport, type ProvenMessage } from './proof.js';

/** A case of proof.json: a bundle and what its verifier reports about it. */
interface ProofCase {
  readonly comment: string;
  readonly envelopes: readonly string[];
  readonly bundle: ProofBundle;
  readonly expected: {
    readonly valid: boolean;
    readonly failures: readonly ProofFailureCode[];
    readonly messages: readonly Pick<ProvenMessage, 'position' | 'sender' | 'seq' | 'text' | 'context' | 'answers' | 'unprovenAfter'>[];
  };
}
const vectors = loadVectors<{ bundle: ProofBundle; report: ProofReport; cases: readonly ProofCase[] }>('proof.json');
const chatVectors = loadVectors<{
  inputs: { inviter_sig_seed: string; joiner_sig_seed: string };
  envelopes: { seq: number; timestamp: number; hash: string; last_received_hash: string }[];
}>('graph-chat.json');

/** The bundle with envelope `i` (of `list`) changed by `change`. */
function withEnvelope(bundle: ProofBundle, i: number, change: (bytes: Uint8Array) => void, list: 'envelopes' | 'receipts' = 'envelopes'): ProofBundle {
  const entries = [...bundle[list]];
  const bytes = fromBase64url(entries[i]!);
  change(bytes);
  entries[i] = toBase64url(bytes);
  return { ...bundle, [list]: entries };
}

const codes = (report: ProofReport): ProofFailureCode[] => [...new Set(report.failures.map((f) => f.code))].sort();

for (const crypto of [sodiumCrypto, nobleCrypto]) {
  describe(`proof bundles (${crypto.name})`, () => {
    const { bundle } = vectors;

    test('the vector bundle verifies to the recorded report', () => {
      assert.deepEqual(verifyProofBundle(crypto, bundle), vectors.report);
      assert.equal(vectors.report.valid, true);
    });

    test('a bundle survives JSON: what a file holds is what is verified', () => {
      assert.deepEqual(verifyProofBundle(crypto, JSON.parse(JSON.stringify(bundle))), vectors.report);
    });

    // Offsets in a signed envelope (graph-chat §4.1): timestamp 5..12, prevSentHash 13..44, type 77, body from 78.
    const tamperings: [string, () => unknown, ProofFailureCode[]][] = [
      ['a byte of a text', () => withEnvelope(bundle, 1, (b) => (b[81]! ^= 1)), ['BAD_SIGNATURE']],
      ['a timestamp', () => withEnvelope(bundle, 1, (b) => (b[12]! ^= 1)), ['BAD_SIGNATURE']],
      ['a prevSentHash', () => withEnvelope(bundle, 1, (b) => (b[20]! ^= 1)), ['BAD_SIGNATURE']],
      ['a signature', () => withEnvelope(bundle, 0, (b) => (b[b.length - 1]! ^= 1)), ['BAD_SIGNATURE']],
      ['a receipt', () => withEnvelope(bundle, 2, (b) => (b[80]! ^= 1)), ['BAD_SIGNATURE']],
      ['the order of one sender', () => ({ ...bundle, envelopes: [bundle.envelopes[1], bundle.envelopes[0], ...bundle.envelopes.slice(2)] }), ['ORDER']],
      ['a receipt listed before what it acknowledges', () => ({ ...bundle, envelopes: [bundle.envelopes[0], bundle.envelopes[2], bundle.envelopes[1], bundle.envelopes[3]] }), ['ORDER']],
      ['an envelope dropped in the middle', () => ({ ...bundle, envelopes: [bundle.envelopes[0], bundle.envelopes[2], bundle.envelopes[3]] }), ['GAP']],
      ['an envelope duplicated', () => ({ ...bundle, envelopes: [...bundle.envelopes.slice(0, 2), bundle.envelopes[1], ...bundle.envelopes.slice(2)] }), ['DUPLICATE']],
      ['a listed signing key', () => ({ ...bundle, signingKeys: { ...bundle.signingKeys, joiner: bundle.signingKeys.inviter } }), ['KEY_MISMATCH']],
      ['the security code', () => ({ ...bundle, securityCode: '00000 00000 00000 00000 00000 00000' }), ['CODE_MISMATCH']],
      [
        'a signing key inside the associated data',
        () => {
          const ad = fromBase64url(bundle.associatedData);
          ad[ad.length - 1]! ^= 1; // the last byte of B_sig, the joiner's key
          return { ...bundle, associatedData: toBase64url(ad) };
        },
        ['BAD_SIGNATURE', 'CODE_MISMATCH', 'KEY_MISMATCH'],
      ],
      ['a wrong version', () => ({ ...bundle, version: 2 }), ['BAD_FORMAT']],
      ['not an object', () => 'graphchat-proof', ['BAD_FORMAT']],
      ['an envelope that is not base64url', () => ({ ...bundle, envelopes: ['%%', ...bundle.envelopes] }), ['BAD_FORMAT']],
      ['a text among the receipts', () => ({ ...bundle, receipts: [bundle.envelopes[1]] }), ['BAD_FORMAT']],
    ];
    for (const [what, tamper, expected] of tamperings) {
      test(`tampering with ${what} is reported as ${expected.join(' + ')}`, () => {
        const report = verifyProofBundle(crypto, tamper());
        assert.equal(report.valid, false);
        assert.deepEqual(codes(report), expected);
      });
    }

    test('a receipt, signed, that names a range envelope with another hash is RECEIPT_MISMATCH', () => {
      // The inviter signs (with the vectors' key) a receipt for the joiner's seq 3 under a hash that is not its hash.
      const inviter = crypto.ed25519KeyPairFromSeed(fromHex(chatVectors.inputs.inviter_sig_seed));
      const last = chatVectors.envelopes.at(-1)!;
      const wrong = signEnvelope(crypto, inviter.secretKey, {
        seq: last.seq + 1,
        timestamp: last.timestamp + 1000,
        prevSentHash: fromHex(last.hash),
        lastReceivedHash: fromHex(last.last_received_hash),
        content: { type: 'receipt', seq: 3, hash: new Uint8Array(32).fill(1) },
      });
      const report = verifyProofBundle(crypto, { ...bundle, receipts: [toBase64url(wrong)] });
      assert.deepEqual(codes(report), ['RECEIPT_MISMATCH']);
      assert.equal(report.failures[0]!.where, 'receipts[0]');
    });

    /** Envelopes signed with the vectors' keys, continuing the vector conversation. */
    const keysOf = () => ({
      inviter: crypto.ed25519KeyPairFromSeed(fromHex(chatVectors.inputs.inviter_sig_seed)),
      joiner: crypto.ed25519KeyPairFromSeed(fromHex(chatVectors.inputs.joiner_sig_seed)),
    });
    const hashOf = (i: number): Uint8Array => fromHex(chatVectors.envelopes[i]!.hash);
    const sign = (who: 'inviter' | 'joiner', seq: number, prev: Uint8Array, received: Uint8Array, text: string): Uint8Array =>
      signEnvelope(crypto, keysOf()[who].secretKey, { seq, timestamp: 1767225700000 + seq, prevSentHash: prev, lastReceivedHash: received, content: { type: 'text', text } });

    test('two different envelopes with one sender and seq: CONFLICT; one that does not chain: CHAIN_BROKEN', () => {
      // vector envelopes: [2] joiner hello (seq 2), [3] joiner text (seq 3), [4] inviter receipt (seq 2), [5] inviter profile (seq 3)
      const other3 = sign('joiner', 3, hashOf(2), hashOf(1), 'a different seq 3');
      assert.deepEqual(codes(verifyProofBundle(crypto, { ...bundle, envelopes: [...bundle.envelopes, toBase64url(other3)] })), ['CONFLICT']);
      const unchained4 = sign('joiner', 4, hashOf(2), hashOf(5), 'seq 4 naming seq 2 as the one before');
      assert.deepEqual(codes(verifyProofBundle(crypto, { ...bundle, envelopes: [...bundle.envelopes, toBase64url(unchained4)] })), ['CHAIN_BROKEN']);
    });

    test("an envelope dropped that only the other side's lastReceivedHash names: GAP", () => {
      const joiner4 = sign('joiner', 4, hashOf(3), hashOf(5), 'joiner 4');
      const inviter4 = sign('inviter', 4, hashOf(5), crypto.sha256(joiner4), 'inviter 4, after joiner 4');
      const complete = { ...bundle, envelopes: [...bundle.envelopes, toBase64url(joiner4), toBase64url(inviter4)] };
      assert.deepEqual(verifyProofBundle(crypto, complete).failures, []);
      const dropped = { ...bundle, envelopes: [...bundle.envelopes, toBase64url(inviter4)] };
      assert.deepEqual(codes(verifyProofBundle(crypto, dropped)), ['GAP']);
    });

    test('hostile JSON gives BAD_FORMAT, never an exception', () => {
      for (const hostile of [{ ...bundle, version: { toString: 1 } }, { ...bundle, envelopes: [1] }, null, [], { ...bundle, associatedData: 5 }]) {
        assert.deepEqual(codes(verifyProofBundle(crypto, hostile)), ['BAD_FORMAT']);
      }
    });

    for (const c of vectors.cases) {
      test(`proof.json case [${c.envelopes.join(' ')}]: ${c.expected.valid ? 'VALID' : c.expected.failures.join(' + ')}`, () => {
        const report = verifyProofBundle(crypto, c.bundle);
        assert.equal(report.valid, c.expected.valid, c.comment);
        assert.deepEqual(codes(report), c.expected.failures, c.comment);
        const seen = report.messages.map(({ position, sender, seq, text, context, answers, unprovenAfter }) => ({ position, sender, seq, text, context, answers, unprovenAfter }));
        assert.deepEqual(seen, c.expected.messages, c.comment);
      });
    }

    test('issue 12: a spliced proof never shows the real answer as answering the forged question', () => {
      const caseOf = (...names: string[]): ProofCase => vectors.cases.find((c) => c.envelopes.join(' ') === names.join(' '))!;
      const forgeries = [
        caseOf('FJ4', 'I5'), // joiner forges, the range starts at its forgery
        caseOf('J4', 'FJ5', 'I5'), // joiner forges after the real question, which it keeps
        caseOf('FJ5', 'I4', 'I5'), // with the inviter's receipt for the real question
        caseOf('J2', 'J3', 'I2', 'I3', 'J4', 'FJ5', 'I4', 'I5'), // in the middle of a range
        caseOf('FI6', 'J7'), // the inviter forges
        caseOf('I6', 'J6', 'FI7', 'J7'), // the inviter forges in the middle
      ];
      for (const c of forgeries) {
        const report = verifyProofBundle(crypto, c.bundle);
        const forged = report.messages.find((m) => m.text === 'Will you transfer me 10,000 EUR?')!;
        const answer = report.messages.at(-1)!;
        assert.equal(answer.text, 'Yes!', c.comment);
        assert.ok(forged.position < answer.position, c.comment);
        // Valid (each envelope is what its sender signed), but the answer does not answer the forgery, and the report says so.
        assert.equal(report.valid, true, c.comment);
        assert.notEqual(answer.answers, forged.position, c.comment);
        assert.equal(answer.unprovenAfter, forged.position, c.comment);
        if (answer.context === 'in-bundle') assert.equal(report.messages[answer.answers! - 1]!.text?.startsWith('Shall we'), true, c.comment);
        else assert.equal(answer.context, 'outside', c.comment);
      }
      // And where the bundle can show the splice, it fails.
      for (const [names, expected] of [
        [['FJ4', 'I4', 'I5'], ['RECEIPT_MISMATCH']],
        [['J2', 'J3', 'I2', 'I3', 'FJ4', 'I4', 'I5'], ['GAP', 'RECEIPT_MISMATCH']],
        [['FI6', 'J6', 'J7'], ['RECEIPT_MISMATCH']],
        [['J4', 'I4', 'I5', 'J5', 'FJ6'], ['CONTEXT']],
      ] as const) {
        assert.deepEqual(codes(verifyProofBundle(crypto, caseOf(...names).bundle)), expected, names.join(' '));
      }
    });

    test("a receipt that names as last received an envelope before the one it acknowledges: CONTEXT", () => {
      const honest = vectors.cases.find((c) => c.envelopes.join(' ') === 'J4 I4 I5 J5')!.bundle;
      assert.deepEqual(verifyProofBundle(crypto, honest).failures, []);
      const [j4, i4, i5] = honest.envelopes.slice(0, 3).map((e) => crypto.sha256(fromBase64url(e))) as [Uint8Array, Uint8Array, Uint8Array];
      const j5 = signEnvelope(crypto, keysOf().joiner.secretKey, {
        seq: 5,
        timestamp: 1767225841000,
        prevSentHash: j4,
        lastReceivedHash: i4, // the real J5 names I5, which it acknowledges
        content: { type: 'receipt', seq: 5, hash: i5 },
      });
      const report = verifyProofBundle(crypto, { ...honest, envelopes: [...honest.envelopes.slice(0, 3), toBase64url(j5)] });
      assert.deepEqual(codes(report), ['CONTEXT']);
      assert.equal(report.failures[0]!.where, 'envelopes[3]');
    });

    test('an honest export keeps verifying, with what each message answers', () => {
      const report = verifyProofBundle(crypto, vectors.bundle);
      // The joiner's hello and text answer the inviter's reply, which exporters leave out but whose hash the inviter's
      // seq 2 gives (handshake); the inviter's answer the joiner's text.
      assert.deepEqual(
        report.messages.map((m) => [m.context, m.answers, m.unprovenAfter]),
        [
          ['handshake', null, null],
          ['handshake', null, null],
          ['in-bundle', 2, null],
          ['in-bundle', 2, null],
        ],
      );
    });

    test("the handshake's hash counts only when both sides' seq 2 sign it: one side alone cannot make a message answer the handshake", () => {
      // vector envelopes: [1] the inviter's reply (never exported), [2] joiner hello (seq 2, names the reply), [3] joiner text (seq 3)
      const joiner = bundle.envelopes.slice(0, 2);
      const inviter2 = (prev: Uint8Array) => toBase64url(sign('inviter', 2, prev, hashOf(3), 'the inviter writes'));
      const contexts = (inviterSecond: string) => verifyProofBundle(crypto, { ...bundle, envelopes: [...joiner, inviterSecond], receipts: [] }).messages.slice(0, 2).map((m) => m.context);
      assert.deepEqual(contexts(inviter2(hashOf(1))), ['handshake', 'handshake'], 'both sign the reply: the joiner answered the handshake');
      // The inviter, holding its own key, claims another first envelope: the joiner's hello names something else.
      assert.deepEqual(contexts(inviter2(crypto.randomBytes(32))), ['outside', 'outside']);
      // The inviter's message that names the joiner's confirm: nothing both sides sign pins the confirm's hash
      // (a joiner could forge its own seq 2 to point it at any message of its own), so it is outside.
      const namingConfirm = toBase64url(sign('inviter', 2, hashOf(1), hashOf(0), 'answers the confirm'));
      assert.equal(verifyProofBundle(crypto, { ...bundle, envelopes: [...joiner, namingConfirm], receipts: [] }).messages[2]!.context, 'outside');
    });

    test("without the other side's seq 2 in the range, the handshake's hash is unknown: outside", () => {
      const joinerOnly = { ...bundle, envelopes: bundle.envelopes.slice(0, 2), receipts: [] };
      assert.deepEqual(verifyProofBundle(crypto, joinerOnly).messages.map((m) => m.context), ['outside', 'outside']);
    });

    test('late receipts acknowledge range envelopes without being part of the range', () => {
      const split = { ...bundle, envelopes: bundle.envelopes.slice(0, 2), receipts: [bundle.envelopes[2]!] };
      const report = verifyProofBundle(crypto, split);
      assert.deepEqual(report.failures, []);
      assert.deepEqual(report.messages.map((m) => m.receipt?.seq ?? null), [null, 2]);
    });
  });
}

describe('proofs.md follows the code', () => {
  test('the failure table lists exactly the failure codes', () => {
    const doc = readDoc('protocol/proofs.md');
    const table = doc.slice(doc.indexOf('### Failure codes'), doc.indexOf('## 3.'));
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    const all: Record<ProofFailureCode, true> = {
      BAD_FORMAT: true,
      KEY_MISMATCH: true,
      CODE_MISMATCH: true,
      BAD_SIGNATURE: true,
      DUPLICATE: true,
      CONFLICT: true,
      GAP: true,
      CHAIN_BROKEN: true,
      ORDER: true,
      CONTEXT: true,
      RECEIPT_MISMATCH: true,
    };
    assert.deepEqual(rows.sort(), Object.keys(all).sort());
  });
});
