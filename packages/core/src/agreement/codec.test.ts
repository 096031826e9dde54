import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, toHex } from '../bytes.js';
import { DecodeError } from '../errors.js';
import {
  CONFIRMATION_KEYS_LENGTH,
  decodeConfirmationKeys,
  decodeInvitationKeys,
  encodeConfirmationKeys,
  encodeInvitationKeys,
  INVITATION_KEYS_LENGTH,
} from './codec.js';

const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
// fc.record makes null-prototype objects; spread them into plain ones to compare with decoded values.
const invitationKeys = fc.record({ dh: bytes(32), kem: bytes(1184), sig: bytes(32) }).map((keys) => ({ ...keys }));
const confirmationKeys = fc
  .record({ dh: bytes(32), ephemeral: bytes(32), sig: bytes(32), ciphertext: bytes(1088) })
  .map((keys) => ({ ...keys }));

/** Arbitrary bytes, biased towards the right version and lengths near the real one. */
function nearly(length: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: length + 8 }),
    fc.tuple(fc.constantFrom(0, 1, 2, 255), fc.integer({ min: length - 3, max: length + 2 })).chain(([version, size]) =>
      bytes(Math.max(0, size - 1)).map((rest) => concatBytes(Uint8Array.of(version), rest)),
    ),
  );
}

describe('invitation keys encoding', () => {
  test('encodeInvitationKeys() writes version 1 || A_dh || A_kem || A_sig', () => {
    const encoded = encodeInvitationKeys({ dh: new Uint8Array(32).fill(1), kem: new Uint8Array(1184).fill(2), sig: new Uint8Array(32).fill(3) });
    assert.equal(encoded.length, INVITATION_KEYS_LENGTH);
    assert.equal(toHex(encoded), '01' + '01'.repeat(32) + '02'.repeat(1184) + '03'.repeat(32));
  });

  test('decodeInvitationKeys() inverts encodeInvitationKeys()', () => {
    fc.assert(fc.property(invitationKeys, (keys) => assert.deepEqual(decodeInvitationKeys(encodeInvitationKeys(keys)), keys)), { numRuns: 50 });
  });

  test('decodeInvitationKeys() returns keys or throws DecodeError for arbitrary bytes', () => {
    fc.assert(
      fc.property(nearly(INVITATION_KEYS_LENGTH), (input) => {
        try {
          const keys = decodeInvitationKeys(input);
          assert.deepEqual(encodeInvitationKeys(keys), input);
        } catch (error) {
          assert.ok(isDecodeError(error), String(error));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('decodeInvitationKeys() rejects an unknown version, a short input and a trailing byte', () => {
    const encoded = encodeInvitationKeys({ dh: new Uint8Array(32), kem: new Uint8Array(1184), sig: new Uint8Array(32) });
    assert.throws(() => decodeInvitationKeys(concatBytes(Uint8Array.of(2), encoded.subarray(1))), isDecodeError);
    assert.throws(() => decodeInvitationKeys(encoded.subarray(0, -1)), isDecodeError);
    assert.throws(() => decodeInvitationKeys(concatBytes(encoded, Uint8Array.of(0))), isDecodeError);
  });

  test('encodeInvitationKeys() refuses keys of the wrong length with RangeError', () => {
    assert.throws(() => encodeInvitationKeys({ dh: new Uint8Array(31), kem: new Uint8Array(1184), sig: new Uint8Array(32) }), RangeError);
  });
});

describe('confirmation keys encoding', () => {
  test('encodeConfirmationKeys() writes version 1 || B_dh || B_e || B_sig || CT', () => {
    const encoded = encodeConfirmationKeys({
      dh: new Uint8Array(32).fill(1),
      ephemeral: new Uint8Array(32).fill(2),
      sig: new Uint8Array(32).fill(3),
      ciphertext: new Uint8Array(1088).fill(4),
    });
    assert.equal(encoded.length, CONFIRMATION_KEYS_LENGTH);
    assert.equal(toHex(encoded), '01' + '01'.repeat(32) + '02'.repeat(32) + '03'.repeat(32) + '04'.repeat(1088));
  });

  test('decodeConfirmationKeys() inverts encodeConfirmationKeys()', () => {
    fc.assert(fc.property(confirmationKeys, (keys) => assert.deepEqual(decodeConfirmationKeys(encodeConfirmationKeys(keys)), keys)), { numRuns: 50 });
  });

  test('decodeConfirmationKeys() returns keys or throws DecodeError for arbitrary bytes', () => {
    fc.assert(
      fc.property(nearly(CONFIRMATION_KEYS_LENGTH), (input) => {
        try {
          const keys = decodeConfirmationKeys(input);
          assert.deepEqual(encodeConfirmationKeys(keys), input);
        } catch (error) {
          assert.ok(isDecodeError(error), String(error));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('decodeConfirmationKeys() rejects an unknown version, a short input and a trailing byte', () => {
    const encoded = encodeConfirmationKeys({ dh: new Uint8Array(32), ephemeral: new Uint8Array(32), sig: new Uint8Array(32), ciphertext: new Uint8Array(1088) });
    assert.throws(() => decodeConfirmationKeys(concatBytes(Uint8Array.of(0), encoded.subarray(1))), isDecodeError);
    assert.throws(() => decodeConfirmationKeys(encoded.subarray(0, -1)), isDecodeError);
    assert.throws(() => decodeConfirmationKeys(concatBytes(encoded, Uint8Array.of(0))), isDecodeError);
  });
});
