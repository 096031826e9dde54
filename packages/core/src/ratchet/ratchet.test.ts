import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromUtf8, toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { RatchetError } from './errors.js';
import { decodeHeader, encodeHeader, HEADER_LENGTH } from './header.js';
import { MAX_SKIP, MAX_SKIPPED_KEYS } from './limits.js';
import { decryptMessage, MESSAGE_NONCE_LENGTH as NONCE } from './kdf.js';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet.js';
import { decodeRatchetState, encodeRatchetState } from './state-codec.js';
import { initReceiver, initSender, type KeyPairGenerator, type RatchetState } from './state.js';

const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];
const AD = utf8('alice-id|bob-id');

/** Deterministic ratchet key pairs: secret i = SHA-256(label || " " || i). */
function seededKeyPairs(crypto: Crypto, label: string): KeyPairGenerator {
  let i = 0;
  return () => {
    const secretKey = crypto.sha256(utf8(`${label} ${i++}`));
    return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
  };
}

interface Message {
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly text: string;
}

/** Both parties of a session, as mutable slots holding immutable states. */
class Pair {
  constructor(
    readonly crypto: Crypto,
    public alice: RatchetState,
    public bob: RatchetState,
    readonly keys: { alice?: KeyPairGenerator; bob?: KeyPairGenerator } = {},
    /** What ratchetEncrypt draws its nonces from: `crypto`, or for a seeded pair a deterministic stand-in. */
    readonly sealing: Crypto = crypto,
  ) {}

  static create(crypto: Crypto, seeded = false): Pair {
    const sharedKey = seeded ? crypto.sha256(utf8('shared')) : crypto.randomBytes(32);
    const keys = seeded ? { alice: seededKeyPairs(crypto, 'alice'), bob: seededKeyPairs(crypto, 'bob') } : {};
    const bobKeyPair: KeyPair = keys.bob ? keys.bob() : crypto.x25519KeyPair();
    const alice = initSender(crypto, sharedKey, bobKeyPair.publicKey, keys.alice);
    const bob = initReceiver(crypto, sharedKey, bobKeyPair);
    let nonces = 0;
    const sealing = seeded ? { ...crypto, randomBytes: (length: number) => crypto.sha256(utf8(`nonce ${nonces++}`)).subarray(0, length) } : crypto;
    return new Pair(crypto, alice, bob, keys, sealing);
  }

  send(from: 'alice' | 'bob', text: string): Message {
    const { state, header, ciphertext } = ratchetEncrypt(this.sealing, this[from], utf8(text), AD);
    this[from] = state;
    return { header, ciphertext, text };
  }

  receive(to: 'alice' | 'bob', message: Message, ad = AD): string {
    const { state, plaintext } = ratchetDecrypt(this.crypto, this[to], message.header, message.ciphertext, ad, this.keys[to]);
    this[to] = state;
    return fromUtf8(plaintext);
  }

  /** Delivers and checks the plaintext. */
  deliver(to: 'alice' | 'bob', message: Message): void {
    assert.equal(this.receive(to, message), message.text);
  }
}

function rejects(pair: Pair, to: 'alice' | 'bob', message: Message, codes: readonly RatchetError['code'][], ad = AD): void {
  const before = encodeRatchetState(pair[to]);
  assert.throws(
    () => pair.receive(to, message, ad),
    (error: unknown) => error instanceof RatchetError && codes.includes(error.code),
  );
  assert.deepEqual(encodeRatchetState(pair[to]), before, 'a failed decryption leaves the state unchanged');
}

function xor(x: Uint8Array, y: Uint8Array): Uint8Array {
  return x.map((byte, i) => byte ^ y[i]!);
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
  return copy;
}

for (const crypto of backends) {
  describe(`Double Ratchet (${crypto.name})`, () => {
    test('a long alternating conversation decrypts, with a new sending key pair each round trip', () => {
      const pair = Pair.create(crypto);
      const sendingKeys = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const a = pair.send('alice', `alice ${i}`);
        const aliceKey = toHex(decodeHeader(a.header).dh);
        assert.ok(!sendingKeys.has(aliceKey), 'alice reused a ratchet key');
        sendingKeys.add(aliceKey);
        pair.deliver('bob', a);
        const b = pair.send('bob', `bob ${i}`);
        const bobKey = toHex(decodeHeader(b.header).dh);
        assert.ok(!sendingKeys.has(bobKey), 'bob reused a ratchet key');
        sendingKeys.add(bobKey);
        pair.deliver('alice', b);
      }
      assert.equal(pair.alice.skipped.size + pair.bob.skipped.size, 0);
    });

    test('many messages one way, then the other, then back', () => {
      const pair = Pair.create(crypto);
      for (const [from, to] of [['alice', 'bob'], ['bob', 'alice'], ['alice', 'bob']] as const) {
        const messages = Array.from({ length: 60 }, (_, i) => pair.send(from, `${from} ${i}`));
        for (const [i, message] of messages.entries()) {
          assert.deepEqual(decodeHeader(message.header).n, i);
          pair.deliver(to, message);
        }
      }
    });

    test('out-of-order delivery within a chain uses skipped keys, then deletes them', () => {
      const pair = Pair.create(crypto);
      const messages = Array.from({ length: 5 }, (_, i) => pair.send('alice', `m${i}`));
      pair.deliver('bob', messages[4]!);
      assert.equal(pair.bob.skipped.size, 4);
      for (const i of [1, 0, 3, 2]) pair.deliver('bob', messages[i]!);
      assert.equal(pair.bob.skipped.size, 0);
      for (const message of messages) rejects(pair, 'bob', message, ['DUPLICATE_OR_OLD']);
    });

    test('out-of-order delivery across DH ratchet steps', () => {
      const pair = Pair.create(crypto);
      const a0 = pair.send('alice', 'a0');
      const a1 = pair.send('alice', 'a1');
      pair.deliver('bob', a0);
      const b0 = pair.send('bob', 'b0');
      const b1 = pair.send('bob', 'b1');
      pair.deliver('alice', b1);
      const a2 = pair.send('alice', 'a2'); // new ratchet key, pn = 2
      assert.equal(decodeHeader(a2.header).pn, 2);
      pair.deliver('bob', a2); // skips a1 in the previous chain
      assert.equal(pair.bob.skipped.size, 1);
      const b2 = pair.send('bob', 'b2');
      pair.deliver('alice', b2); // alice still misses b0 from an older chain
      pair.deliver('alice', b0);
      pair.deliver('bob', a1);
      assert.equal(pair.alice.skipped.size + pair.bob.skipped.size, 0);
      for (const message of [a0, a1, a2]) rejects(pair, 'bob', message, ['DUPLICATE_OR_OLD']);
      for (const message of [b0, b1, b2]) rejects(pair, 'alice', message, ['DUPLICATE_OR_OLD']);
      pair.deliver('bob', pair.send('alice', 'still working'));
    });

    test('a duplicate of the latest message is rejected as DUPLICATE_OR_OLD', () => {
      const pair = Pair.create(crypto);
      const message = pair.send('alice', 'once');
      pair.deliver('bob', message);
      rejects(pair, 'bob', message, ['DUPLICATE_OR_OLD']);
    });

    test(`a gap of more than MAX_SKIP (${MAX_SKIP}) messages is rejected and changes nothing`, () => {
      const pair = Pair.create(crypto);
      const messages = Array.from({ length: MAX_SKIP + 2 }, (_, i) => pair.send('alice', `m${i}`));
      rejects(pair, 'bob', messages[MAX_SKIP + 1]!, ['TOO_MANY_SKIPPED']);
      pair.deliver('bob', messages[MAX_SKIP]!); // exactly MAX_SKIP skipped: allowed
      assert.equal(pair.bob.skipped.size, MAX_SKIP);
      pair.deliver('bob', messages[MAX_SKIP + 1]!);
      pair.deliver('bob', messages[3]!);
    });

    test('a gap of more than MAX_SKIP at the end of the previous chain (pn) is rejected', () => {
      const pair = Pair.create(crypto);
      pair.deliver('bob', pair.send('alice', 'hello'));
      pair.deliver('alice', pair.send('bob', 'hi'));
      for (let i = 0; i < MAX_SKIP + 1; i++) pair.send('bob', `lost ${i}`);
      pair.deliver('bob', pair.send('alice', 'turn'));
      const late = pair.send('bob', 'late'); // pn = MAX_SKIP + 2, alice has received 1 of them
      rejects(pair, 'alice', late, ['TOO_MANY_SKIPPED']);
    });

    test(`at most MAX_SKIPPED_KEYS (${MAX_SKIPPED_KEYS}) skipped keys are kept, the oldest evicted first`, () => {
      const pair = Pair.create(crypto);
      const chain1 = Array.from({ length: MAX_SKIP + 1 }, (_, i) => pair.send('alice', `c1 ${i}`));
      pair.deliver('bob', chain1[MAX_SKIP]!);
      pair.deliver('alice', pair.send('bob', 'reply'));
      const chain2 = Array.from({ length: MAX_SKIP + 1 }, (_, i) => pair.send('alice', `c2 ${i}`));
      pair.deliver('bob', chain2[MAX_SKIP]!);
      assert.equal(pair.bob.skipped.size, MAX_SKIPPED_KEYS);
      pair.deliver('alice', pair.send('bob', 'reply'));
      pair.send('alice', 'c3 0');
      pair.deliver('bob', pair.send('alice', 'c3 1'));
      assert.equal(pair.bob.skipped.size, MAX_SKIPPED_KEYS);
      rejects(pair, 'bob', chain1[0]!, ['DUPLICATE_OR_OLD']); // evicted
      pair.deliver('bob', chain1[1]!);
      pair.deliver('bob', chain2[0]!);
    });

    test('any flipped bit in header, ciphertext or ad is rejected, the state unchanged, and the next message decrypts', () => {
      const pair = Pair.create(crypto);
      pair.deliver('bob', pair.send('alice', 'first'));
      pair.deliver('alice', pair.send('bob', 'reply'));
      pair.deliver('bob', pair.send('alice', 'in chain 0'));
      // One message in an established chain, one that starts a new chain.
      const inChain = pair.send('alice', 'in chain 1');
      const newChain = pair.send('bob', 'new chain');
      for (const [to, message] of [['bob', inChain], ['alice', newChain]] as const) {
        for (let bit = 0; bit < HEADER_LENGTH * 8; bit++) {
          // A changed counter may also be caught before authentication, as old or too far ahead.
          rejects(pair, to, { ...message, header: flipBit(message.header, bit) }, ['DECRYPT', 'DUPLICATE_OR_OLD', 'TOO_MANY_SKIPPED', 'BAD_HEADER']);
        }
        for (let bit = 0; bit < message.ciphertext.length * 8; bit++) {
          rejects(pair, to, { ...message, ciphertext: flipBit(message.ciphertext, bit) }, ['DECRYPT']);
        }
        for (let bit = 0; bit < AD.length * 8; bit++) rejects(pair, to, message, ['DECRYPT'], flipBit(AD, bit));
        rejects(pair, to, { ...message, header: message.header.subarray(1) }, ['BAD_HEADER']);
        rejects(pair, to, { ...message, ciphertext: message.ciphertext.subarray(1) }, ['DECRYPT']);
        pair.deliver(to, message);
      }
    });

    test('the state survives encoding mid-conversation', () => {
      const pair = Pair.create(crypto);
      const pending = [pair.send('alice', 'a0'), pair.send('alice', 'a1'), pair.send('alice', 'a2')];
      pair.deliver('bob', pending[2]!);
      const b0 = pair.send('bob', 'b0');
      for (const side of ['alice', 'bob'] as const) {
        const encoded = encodeRatchetState(pair[side]);
        pair[side] = decodeRatchetState(encoded);
        assert.deepEqual(encodeRatchetState(pair[side]), encoded);
      }
      assert.equal(pair.bob.skipped.size, 2);
      pair.deliver('bob', pending[0]!);
      pair.deliver('alice', b0);
      pair.deliver('bob', pair.send('alice', 'a3'));
      pair.deliver('bob', pending[1]!);
      pair.deliver('alice', pair.send('bob', 'b1'));
    });

    test('forward secrecy: once decrypted, a message cannot be decrypted from the new state', () => {
      const pair = Pair.create(crypto);
      const m0 = pair.send('alice', 'm0');
      const m1 = pair.send('alice', 'm1');
      const before = pair.bob;
      pair.deliver('bob', m1);
      const skippedState = pair.bob;
      pair.deliver('bob', m0);
      assert.equal(pair.bob.skipped.size, 0, 'the skipped key is deleted once used');
      rejects(pair, 'bob', m0, ['DUPLICATE_OR_OLD']);
      rejects(pair, 'bob', m1, ['DUPLICATE_OR_OLD']);
      // The old states, which the caller would have replaced, are untouched values.
      assert.equal(ratchetDecrypt(crypto, before, m0.header, m0.ciphertext, AD).plaintext.length, 2);
      assert.equal(ratchetDecrypt(crypto, skippedState, m0.header, m0.ciphertext, AD).plaintext.length, 2);
    });

    test('encrypting never changes the given state', () => {
      const pair = Pair.create(crypto);
      const before = encodeRatchetState(pair.alice);
      const first = ratchetEncrypt(crypto, pair.alice, utf8('x'), AD);
      assert.deepEqual(encodeRatchetState(pair.alice), before);
      const again = ratchetEncrypt(crypto, pair.alice, utf8('x'), AD);
      assert.deepEqual(again.header, first.header);
      assert.deepEqual(encodeRatchetState(again.state), encodeRatchetState(first.state));
      assert.notDeepEqual(again.ciphertext, first.ciphertext, 'a fresh random nonce each time');
    });

    test('regression (issue 12): a state restored from a backup seals its next message under a fresh nonce, never a repeated keystream', () => {
      const pair = Pair.create(crypto);
      pair.deliver('bob', pair.send('alice', 'first'));
      pair.deliver('alice', pair.send('bob', 'reply'));
      const backup = encodeRatchetState(pair.alice);
      const bobBefore = pair.bob;
      const texts = [utf8('meet me at the north gate at noon'), utf8('the key is under the blue flowerpot')];
      // The message sent, then the same state restored (backup, snapshot, copied folder) and another message sent.
      const sealed = texts.map((text) => ratchetEncrypt(crypto, decodeRatchetState(backup), text, AD));
      const [a, b] = sealed as [(typeof sealed)[0], (typeof sealed)[0]];
      assert.deepEqual(a.header, b.header, 'the restored state derives the same message key');
      assert.notDeepEqual(a.ciphertext.subarray(0, NONCE), b.ciphertext.subarray(0, NONCE), 'but draws another nonce');
      const n = Math.min(texts[0]!.length, texts[1]!.length);
      const plaintextXor = xor(texts[0]!.subarray(0, n), texts[1]!.subarray(0, n));
      assert.notDeepEqual(xor(a.ciphertext.subarray(NONCE, NONCE + n), b.ciphertext.subarray(NONCE, NONCE + n)), plaintextXor, 'keystreams differ');
      // What the test guards against: any nonce the state determines repeats, and the XOR of the ciphertexts is the XOR of the plaintexts.
      const deterministic = { ...crypto, randomBytes: (length: number) => new Uint8Array(length) };
      const [c, d] = texts.map((text) => ratchetEncrypt(deterministic, decodeRatchetState(backup), text, AD).ciphertext) as [Uint8Array, Uint8Array];
      assert.deepEqual(xor(c.subarray(NONCE, NONCE + n), d.subarray(NONCE, NONCE + n)), plaintextXor);
      // A receiver decrypts whichever arrives first; the other reuses a spent message key and is DUPLICATE_OR_OLD.
      for (const [first, second] of [[a, b], [b, a]] as const) {
        pair.bob = bobBefore;
        const text = fromUtf8(texts[sealed.indexOf(first)]!);
        pair.deliver('bob', { header: first.header, ciphertext: first.ciphertext, text });
        rejects(pair, 'bob', { header: second.header, ciphertext: second.ciphertext, text: '' }, ['DUPLICATE_OR_OLD']);
      }
    });

    test('a ciphertext shorter than its nonce and tag fails authentication without throwing anything else', () => {
      const pair = Pair.create(crypto);
      const message = pair.send('alice', 'hello');
      const mk = crypto.randomBytes(32);
      for (let length = 0; length < NONCE + 16; length++) {
        assert.equal(decryptMessage(crypto, mk, new Uint8Array(length), AD), null, `length ${length}`);
        rejects(pair, 'bob', { ...message, ciphertext: message.ciphertext.subarray(0, length) }, ['DECRYPT']);
      }
      pair.deliver('bob', message);
    });

    test('a forged message under the receiver\'s initial ratchet key is rejected by the sender', () => {
      const pair = Pair.create(crypto);
      const bobInitialKey = pair.alice.dhr!;
      const forged = { header: encodeHeader({ dh: bobInitialKey, pn: 0, n: 0 }), ciphertext: new Uint8Array(40), text: '' };
      rejects(pair, 'alice', forged, ['DECRYPT']);
      pair.deliver('bob', pair.send('alice', 'unaffected'));
    });

    test('the receiver cannot send before it has received', () => {
      const pair = Pair.create(crypto);
      assert.throws(() => pair.send('bob', 'too early'), TypeError);
    });

    test('printing a state shows no secret', () => {
      const pair = Pair.create(crypto);
      pair.deliver('bob', pair.send('alice', 'x'));
      const printed = JSON.stringify(pair.bob) + String((pair.bob as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')]!());
      for (const secret of [pair.bob.rk, pair.bob.cks!, pair.bob.ckr!, pair.bob.dhs.secretKey]) {
        assert.ok(!printed.includes(toHex(secret)));
      }
      assert.ok(printed.includes(toHex(pair.bob.dhs.publicKey)));
    });

    test('random interleavings and delivery orders: every delivered message decrypts exactly once', () => {
      type Op = { kind: 'send'; from: 'alice' | 'bob' } | { kind: 'deliver' | 'drop'; index: number };
      const op: fc.Arbitrary<Op> = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<'alice' | 'bob'>('alice', 'bob').map((from) => ({ kind: 'send' as const, from })) },
        { weight: 3, arbitrary: fc.nat().map((index) => ({ kind: 'deliver' as const, index })) },
        { weight: 1, arbitrary: fc.nat().map((index) => ({ kind: 'drop' as const, index })) },
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
          const pair = Pair.create(crypto);
          const inFlight: { to: 'alice' | 'bob'; message: Message }[] = [];
          const delivered: { to: 'alice' | 'bob'; message: Message }[] = [];
          let count = 0;
          for (const step of ops) {
            if (step.kind === 'send') {
              if (pair[step.from].cks === null) continue;
              inFlight.push({ to: step.from === 'alice' ? 'bob' : 'alice', message: pair.send(step.from, `${step.from} ${count++}`) });
            } else if (inFlight.length > 0) {
              const [item] = inFlight.splice(step.index % inFlight.length, 1);
              if (step.kind === 'deliver') {
                pair.deliver(item!.to, item!.message);
                delivered.push(item!);
              }
            }
          }
          // DECRYPT only for chains retired more than MAX_RETIRED_CHAINS steps ago.
          for (const { to, message } of delivered) rejects(pair, to, message, ['DUPLICATE_OR_OLD', 'DECRYPT']);
        }),
        { numRuns: 60 },
      );
    });
  });
}

test('noble and sodium produce identical transcripts from the same deterministic key pairs', () => {
  const transcripts = backends.map((crypto) => {
    const pair = Pair.create(crypto, true);
    const out: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const [from, to] of [['alice', 'bob'], ['alice', 'bob'], ['bob', 'alice']] as const) {
        const message = pair.send(from, `${from} ${i}`);
        out.push(toHex(message.header) + ':' + toHex(message.ciphertext));
        pair.deliver(to, message);
      }
    }
    return out;
  });
  assert.deepEqual(transcripts[0], transcripts[1]);
});
