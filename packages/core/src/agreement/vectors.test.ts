import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ByteWriter, concatBytes, fromHex, toHex, utf8 } from '../bytes.js';
import type { KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { loadVectors } from '../test-support/vectors.js';
import { acceptAgreement, createInvitationKeys, joinAgreement } from './agreement.js';
import { decodeConfirmationKeys, decodeInvitationKeys, encodeConfirmationKeys, encodeInvitationKeys } from './codec.js';

/** Shape of docs/protocol/vectors/agreement.json (byte strings in hex). */
interface AgreementCase {
  readonly comment: string;
  readonly inviter_dh_secret: string;
  readonly inviter_kem_seed: string;
  readonly inviter_sig_seed: string;
  readonly joiner_dh_secret: string;
  readonly joiner_ephemeral_secret: string;
  readonly joiner_sig_seed: string;
  readonly kem_randomness: string;
  readonly inviter_dh_public: string;
  readonly inviter_kem_public: string;
  /** The 2400-byte ML-KEM-768 decapsulation key dk from inviter_kem_seed. */
  readonly inviter_kem_secret: string;
  readonly inviter_sig_public: string;
  readonly joiner_dh_public: string;
  readonly joiner_ephemeral_public: string;
  readonly joiner_sig_public: string;
  readonly kem_ciphertext: string;
  /** SS of §1: what encapsulation with kem_randomness gives, and decapsulation of kem_ciphertext. */
  readonly kem_shared_secret: string;
  readonly invitation_keys: string;
  readonly confirmation_keys: string;
  readonly shared_key: string;
  readonly associated_data: string;
}

const vectors = loadVectors<{ readonly comment: string; readonly cases: readonly AgreementCase[] }>('agreement.json');

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  const x25519 = (secretHex: string): KeyPair => {
    const secretKey = fromHex(secretHex);
    return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
  };

  describe(`agreement.json vectors (${crypto.name})`, () => {
    for (const v of vectors.cases) {
      test(`both sides reproduce the recorded keys, encodings, SK and AD: ${v.comment}`, () => {
        const invitation = createInvitationKeys(crypto, {
          dh: x25519(v.inviter_dh_secret),
          kemSeed: fromHex(v.inviter_kem_seed),
          sig: crypto.ed25519KeyPairFromSeed(fromHex(v.inviter_sig_seed)),
        });
        assert.equal(toHex(invitation.publicKeys.dh), v.inviter_dh_public);
        assert.equal(toHex(invitation.publicKeys.kem), v.inviter_kem_public);
        assert.equal(toHex(invitation.publicKeys.sig), v.inviter_sig_public);
        assert.equal(toHex(encodeInvitationKeys(invitation.publicKeys)), v.invitation_keys);

        const joined = joinAgreement(crypto, decodeInvitationKeys(fromHex(v.invitation_keys)), {
          dh: x25519(v.joiner_dh_secret),
          ephemeral: x25519(v.joiner_ephemeral_secret),
          sig: crypto.ed25519KeyPairFromSeed(fromHex(v.joiner_sig_seed)),
          kemRandomness: fromHex(v.kem_randomness),
        });
        assert.equal(toHex(joined.confirmation.dh), v.joiner_dh_public);
        assert.equal(toHex(joined.confirmation.ephemeral), v.joiner_ephemeral_public);
        assert.equal(toHex(joined.confirmation.sig), v.joiner_sig_public);
        assert.equal(toHex(joined.confirmation.ciphertext), v.kem_ciphertext);
        assert.equal(toHex(encodeConfirmationKeys(joined.confirmation)), v.confirmation_keys);
        assert.equal(toHex(joined.sharedKey), v.shared_key);
        assert.equal(toHex(joined.associatedData), v.associated_data);

        const accepted = acceptAgreement(crypto, invitation.secretKeys, decodeConfirmationKeys(fromHex(v.confirmation_keys)));
        assert.equal(toHex(accepted.sharedKey), v.shared_key);
        assert.equal(toHex(accepted.associatedData), v.associated_data);
      });

      test(`the ML-KEM step checks from both sides: the seed gives dk, encapsulation with m and decapsulation with dk give SS: ${v.comment}`, () => {
        const kem = crypto.mlKem768KeyPair(fromHex(v.inviter_kem_seed));
        assert.equal(toHex(kem.publicKey), v.inviter_kem_public);
        assert.equal(toHex(kem.secretKey), v.inviter_kem_secret);
        const encapsulated = crypto.mlKem768Encapsulate(fromHex(v.inviter_kem_public), fromHex(v.kem_randomness));
        assert.equal(toHex(encapsulated.ciphertext), v.kem_ciphertext);
        assert.equal(toHex(encapsulated.sharedSecret), v.kem_shared_secret);
        assert.equal(toHex(crypto.mlKem768Decapsulate(fromHex(v.kem_ciphertext), fromHex(v.inviter_kem_secret))), v.kem_shared_secret);
      });

      test(`SK and AD follow the formulas of graph-chat.md §1 computed from primitives: ${v.comment}`, () => {
        const dh1 = crypto.x25519(fromHex(v.joiner_dh_secret), fromHex(v.inviter_dh_public));
        const dh2 = crypto.x25519(fromHex(v.joiner_ephemeral_secret), fromHex(v.inviter_dh_public));
        const ss = crypto.mlKem768Decapsulate(fromHex(v.kem_ciphertext), fromHex(v.inviter_kem_secret));
        assert.equal(toHex(ss), v.kem_shared_secret);
        const ikm = concatBytes(new Uint8Array(32).fill(0xff), dh1, dh2, ss);
        const sk = crypto.hkdfSha256(ikm, new Uint8Array(32), utf8('graphchat agreement v1 X25519 ML-KEM-768'), 32);
        assert.equal(toHex(sk), v.shared_key);
        const ad = new ByteWriter();
        for (const key of [v.inviter_dh_public, v.inviter_kem_public, v.inviter_sig_public, v.joiner_dh_public, v.joiner_sig_public]) {
          ad.longBytes(fromHex(key));
        }
        assert.equal(toHex(ad.finish()), v.associated_data);
      });
    }
  });
}
