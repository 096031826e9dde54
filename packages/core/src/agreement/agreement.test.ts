import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { equalBytes, fromUtf8, toHex, utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { RatchetError } from '../ratchet/errors.js';
import { ratchetDecrypt, ratchetEncrypt } from '../ratchet/ratchet.js';
import { initReceiver, initSender } from '../ratchet/state.js';
import { acceptAgreement, createInvitationKeys, joinAgreement, type InvitationSecretKeys } from './agreement.js';
import type { ConfirmationKeys, InvitationPublicKeys } from './codec.js';
import { AgreementError } from './errors.js';

const isAgreementError =
  (code: string) =>
  (error: unknown): boolean =>
    error instanceof AgreementError && error.code === code;

/** B sends the first ratchet message under its SK and AD; A tries to decrypt it under its own. */
function firstMessageDecrypts(
  crypto: Crypto,
  invitationSeenByB: InvitationPublicKeys,
  secretKeysOfA: InvitationSecretKeys,
  confirmationSeenByA: (sent: ConfirmationKeys) => ConfirmationKeys = (sent) => sent,
): boolean {
  const b = joinAgreement(crypto, invitationSeenByB);
  const a = acceptAgreement(crypto, secretKeysOfA, confirmationSeenByA(b.confirmation));
  const sender = initSender(crypto, b.sharedKey, invitationSeenByB.dh);
  const receiver = initReceiver(crypto, a.sharedKey, secretKeysOfA.dh);
  const sent = ratchetEncrypt(crypto, sender, utf8('hello'), b.associatedData);
  try {
    const received = ratchetDecrypt(crypto, receiver, sent.header, sent.ciphertext, a.associatedData);
    return fromUtf8(received.plaintext) === 'hello';
  } catch (error) {
    assert.ok(error instanceof RatchetError && error.code === 'DECRYPT', String(error));
    return false;
  }
}

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  describe(`initial key agreement (${crypto.name})`, () => {
    test('both sides derive the same 32-byte SK and the same AD', () => {
      const invitation = createInvitationKeys(crypto);
      const b = joinAgreement(crypto, invitation.publicKeys);
      const a = acceptAgreement(crypto, invitation.secretKeys, b.confirmation);
      assert.equal(b.sharedKey.length, 32);
      assert.equal(toHex(a.sharedKey), toHex(b.sharedKey));
      assert.equal(toHex(a.associatedData), toHex(b.associatedData));
      assert.equal(b.associatedData.length, 5 * 2 + 4 * 32 + 1184);
    });

    test('a conversation runs through the ratchet afterwards, joiner first', () => {
      const invitation = createInvitationKeys(crypto);
      const b = joinAgreement(crypto, invitation.publicKeys);
      const a = acceptAgreement(crypto, invitation.secretKeys, b.confirmation);
      let bob = initSender(crypto, b.sharedKey, invitation.publicKeys.dh);
      let alice = initReceiver(crypto, a.sharedKey, invitation.secretKeys.dh);
      const transcript: ['b' | 'a', string][] = [['b', 'hi, it is B'], ['b', 'again'], ['a', 'hello B'], ['b', 'hello A'], ['a', 'bye']];
      for (const [from, text] of transcript) {
        if (from === 'b') {
          const sent = ratchetEncrypt(crypto, bob, utf8(text), b.associatedData);
          bob = sent.state;
          const received = ratchetDecrypt(crypto, alice, sent.header, sent.ciphertext, a.associatedData);
          alice = received.state;
          assert.equal(fromUtf8(received.plaintext), text);
        } else {
          const sent = ratchetEncrypt(crypto, alice, utf8(text), a.associatedData);
          alice = sent.state;
          const received = ratchetDecrypt(crypto, bob, sent.header, sent.ciphertext, b.associatedData);
          bob = received.state;
          assert.equal(fromUtf8(received.plaintext), text);
        }
      }
    });

    test('the unmodified keys pass the substitution check below', () => {
      const invitation = createInvitationKeys(crypto);
      assert.equal(firstMessageDecrypts(crypto, invitation.publicKeys, invitation.secretKeys), true);
    });

    describe('a substituted invitation key makes the first message fail to decrypt', () => {
      const other = createInvitationKeys(crypto).publicKeys;
      for (const field of ['dh', 'kem', 'sig'] as const) {
        test(`A_${field}`, () => {
          const invitation = createInvitationKeys(crypto);
          const substituted = { ...invitation.publicKeys, [field]: other[field] };
          assert.equal(firstMessageDecrypts(crypto, substituted, invitation.secretKeys), false);
        });
      }
    });

    describe('a substituted confirmation key makes the first message fail to decrypt', () => {
      const substitutes: Record<keyof ConfirmationKeys, (invitation: InvitationPublicKeys) => Uint8Array> = {
        dh: () => crypto.x25519KeyPair().publicKey,
        ephemeral: () => crypto.x25519KeyPair().publicKey,
        sig: () => crypto.ed25519KeyPair().publicKey,
        // A relay encapsulating to A_kem itself: a valid ciphertext of a secret it knows.
        ciphertext: (invitation) => crypto.mlKem768Encapsulate(invitation.kem).ciphertext,
      };
      for (const [field, substitute] of Object.entries(substitutes) as [keyof ConfirmationKeys, (i: InvitationPublicKeys) => Uint8Array][]) {
        test(field, () => {
          const invitation = createInvitationKeys(crypto);
          const change = (sent: ConfirmationKeys): ConfirmationKeys => ({ ...sent, [field]: substitute(invitation.publicKeys) });
          assert.equal(firstMessageDecrypts(crypto, invitation.publicKeys, invitation.secretKeys, change), false);
        });
      }

      test('one flipped bit of CT (implicit rejection gives A another secret)', () => {
        const invitation = createInvitationKeys(crypto);
        const flip = (sent: ConfirmationKeys): ConfirmationKeys => {
          const ciphertext = sent.ciphertext.slice();
          ciphertext[100]! ^= 1;
          return { ...sent, ciphertext };
        };
        assert.equal(firstMessageDecrypts(crypto, invitation.publicKeys, invitation.secretKeys, flip), false);
      });
    });

    test('each join uses fresh keys: two joins to one invitation give different SKs', () => {
      const invitation = createInvitationKeys(crypto);
      const first = joinAgreement(crypto, invitation.publicKeys);
      const second = joinAgreement(crypto, invitation.publicKeys);
      assert.ok(!equalBytes(first.sharedKey, second.sharedKey));
      assert.ok(!equalBytes(first.confirmation.dh, second.confirmation.dh));
      assert.ok(!equalBytes(first.confirmation.ephemeral, second.confirmation.ephemeral));
      assert.ok(!equalBytes(first.confirmation.ciphertext, second.confirmation.ciphertext));
      assert.ok(!equalBytes(first.associatedData, second.associatedData));
    });

    test('each invitation has fresh keys', () => {
      const first = createInvitationKeys(crypto).publicKeys;
      const second = createInvitationKeys(crypto).publicKeys;
      assert.ok(!equalBytes(first.dh, second.dh) && !equalBytes(first.kem, second.kem) && !equalBytes(first.sig, second.sig));
    });

    test('joinAgreement() wipes the ephemeral secret key it was given', () => {
      const invitation = createInvitationKeys(crypto);
      const ephemeral = crypto.x25519KeyPair();
      joinAgreement(crypto, invitation.publicKeys, { ephemeral });
      assert.ok(ephemeral.secretKey.every((byte) => byte === 0));
    });

    test('joinAgreement() rejects a low-order A_dh with AgreementError BAD_KEY', () => {
      const invitation = createInvitationKeys(crypto).publicKeys;
      for (const dh of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))]) {
        assert.throws(() => joinAgreement(crypto, { ...invitation, dh }), isAgreementError('BAD_KEY'));
      }
    });

    test('joinAgreement() rejects an A_kem failing the FIPS 203 modulus check, or of the wrong length', () => {
      const invitation = createInvitationKeys(crypto).publicKeys;
      assert.throws(() => joinAgreement(crypto, { ...invitation, kem: new Uint8Array(1184).fill(0xff) }), isAgreementError('BAD_KEY'));
      assert.throws(() => joinAgreement(crypto, { ...invitation, kem: invitation.kem.subarray(1) }), isAgreementError('BAD_KEY'));
    });

    test('acceptAgreement() rejects a low-order B_dh or B_e with BAD_KEY and a short CT with BAD_CIPHERTEXT', () => {
      const invitation = createInvitationKeys(crypto);
      const { confirmation } = joinAgreement(crypto, invitation.publicKeys);
      const zero = new Uint8Array(32);
      assert.throws(() => acceptAgreement(crypto, invitation.secretKeys, { ...confirmation, dh: zero }), isAgreementError('BAD_KEY'));
      assert.throws(() => acceptAgreement(crypto, invitation.secretKeys, { ...confirmation, ephemeral: zero }), isAgreementError('BAD_KEY'));
      assert.throws(
        () => acceptAgreement(crypto, invitation.secretKeys, { ...confirmation, ciphertext: confirmation.ciphertext.subarray(1) }),
        isAgreementError('BAD_CIPHERTEXT'),
      );
    });
  });
}
