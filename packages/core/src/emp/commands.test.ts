import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, utf8 } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { MAX_TRANSMISSION_SIZE } from './block.js';
import {
  decodeCommand,
  decodeResponse,
  decodeTransmission,
  encodeCommand,
  encodeResponse,
  encodeSigned,
  encodeTransmission,
  signatureInput,
  type Command,
  type Response,
} from './commands.js';
import { ERROR_CODES } from './error-codes.js';
import { ID_LENGTH, KEY_LENGTH, MAX_CORRELATION_ID_LENGTH, MAX_MESSAGE_BODY, MAX_PASSWORD_LENGTH, SIGNATURE_LENGTH } from './limits.js';

const FUZZ_RUNS = 3000;
const EMPTY = new Uint8Array(0);

/** Records with Object.prototype, so they deep-equal what the decoders build. */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true });
const bytesOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const id = bytesOf(ID_LENGTH);
const key = bytesOf(KEY_LENGTH);
/** Up to `max` bytes: mostly small random arrays, sometimes a large constant-filled one (cheap to generate). */
function body(max: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max }), fc.nat({ max: 255 })).map(([n, fill]) => new Uint8Array(n).fill(fill)) },
    { weight: 1, arbitrary: fc.constant(max).map((n) => new Uint8Array(n).fill(0xa5)) },
  );
}
/** Well-formed Unicode (no lone surrogates, which UTF-8 can't carry), sometimes with a leading U+FEFF. */
const password = fc
  .tuple(fc.boolean(), fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 20 })))
  .map(([bom, text]) => (bom ? '\uFEFF' + text : text))
  .filter((text) => utf8(text).length <= MAX_PASSWORD_LENGTH);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  record({ type: fc.constant('NEW' as const), recipientAuthKey: key, recipientDhKey: key, password }),
  fc.constant({ type: 'SUB' as const }),
  record({ type: fc.constant('KEY' as const), senderAuthKey: key }),
  record({ type: fc.constant('SEND' as const), body: body(MAX_MESSAGE_BODY) }),
  record({ type: fc.constant('ACK' as const), msgId: id }),
  fc.constant({ type: 'GET' as const }),
  fc.constant({ type: 'OFF' as const }),
  fc.constant({ type: 'DEL' as const }),
  fc.constant({ type: 'PING' as const }),
);

const responseArb: fc.Arbitrary<Response> = fc.oneof(
  record({ type: fc.constant('IDS' as const), recipientId: id, senderId: id, serverDhKey: key }),
  fc.constant({ type: 'OK' as const }),
  record({ type: fc.constant('MSG' as const), msgId: id, encryptedBody: body(0xffff) }),
  fc.constant({ type: 'END' as const }),
  fc.constant({ type: 'PONG' as const }),
  record({ type: fc.constant('ERR' as const), code: fc.constantFrom(...ERROR_CODES) }),
);

const signatureArb = fc.oneof(fc.constant(EMPTY), bytesOf(SIGNATURE_LENGTH));
const corrIdArb = fc.uint8Array({ maxLength: MAX_CORRELATION_ID_LENGTH });
const entityIdArb = fc.oneof(fc.constant(EMPTY), id);

/** Byte-level damage to a valid encoding: the decoders must still only ever throw DecodeError. */
type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; value: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip' as const, 'insert' as const, 'delete' as const, 'truncate' as const),
  at: fc.nat(),
  value: fc.nat({ max: 255 }),
});
function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    switch (m.kind) {
      case 'flip':
        if (at < out.length) {
          out = out.slice();
          out[at] = m.value;
        }
        break;
      case 'insert':
        out = concatBytes(out.subarray(0, at), new Uint8Array([m.value]), out.subarray(at));
        break;
      case 'delete':
        out = concatBytes(out.subarray(0, at), out.subarray(at + 1));
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
    }
  }
  return out;
}
const damaged = (valid: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([bytes, mutations]) => mutate(bytes, mutations));

/** Runs `decode`; returns its result, or undefined if it threw DecodeError. Anything else propagates. */
function decodeOrDecodeError<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

const isRangeError = (error: unknown): boolean => error instanceof RangeError;

describe('commands and responses: round trips', () => {
  test('decodeCommand(encodeCommand(c)) deep-equals c for every variant', () => {
    fc.assert(
      fc.property(commandArb, (command) => {
        assert.deepEqual(decodeCommand(encodeCommand(command)), command);
      }),
      { numRuns: 2000 },
    );
  });

  test('decodeResponse(encodeResponse(r)) deep-equals r for every variant', () => {
    fc.assert(
      fc.property(responseArb, (response) => {
        assert.deepEqual(decodeResponse(encodeResponse(response)), response);
      }),
      { numRuns: 2000 },
    );
  });

  test('decodeTransmission gives back signature, corrId, entityId, message and the signed part', () => {
    fc.assert(
      fc.property(signatureArb, corrIdArb, entityIdArb, fc.oneof(commandArb.map(encodeCommand), responseArb.map(encodeResponse), fc.uint8Array({ maxLength: 64 })), (signature, corrId, entityId, message) => {
        const signed = encodeSigned(corrId, entityId, message);
        const bytes = encodeTransmission(signature, signed);
        assert.deepEqual(decodeTransmission(bytes), { signature, signed, corrId, entityId, message });
        assert.equal(bytes.length, 1 + signature.length + 1 + corrId.length + 1 + entityId.length + message.length);
      }),
      { numRuns: 1000 },
    );
  });

  test('a password with a leading U+FEFF survives the round trip', () => {
    const command: Command = { type: 'NEW', recipientAuthKey: new Uint8Array(32), recipientDhKey: new Uint8Array(32), password: '\uFEFFpw' };
    assert.deepEqual(decodeCommand(encodeCommand(command)), command);
  });

  test('every variant encodes at its largest size', () => {
    const longPassword = 'x'.repeat(MAX_PASSWORD_LENGTH);
    const command: Command = { type: 'NEW', recipientAuthKey: new Uint8Array(32).fill(1), recipientDhKey: new Uint8Array(32).fill(2), password: longPassword };
    assert.equal(encodeCommand(command).length, 4 + 32 + 32 + 1 + MAX_PASSWORD_LENGTH);
    assert.deepEqual(decodeCommand(encodeCommand(command)), command);
    const ids: Response = { type: 'IDS', recipientId: new Uint8Array(24).fill(1), senderId: new Uint8Array(24).fill(2), serverDhKey: new Uint8Array(32).fill(3) };
    assert.equal(encodeResponse(ids).length, 4 + 25 + 25 + 32);
    const msg: Response = { type: 'MSG', msgId: new Uint8Array(24), encryptedBody: new Uint8Array(0xffff).fill(7) };
    assert.deepEqual(decodeResponse(encodeResponse(msg)), msg);
  });
});

describe('commands and responses: decoding arbitrary bytes', () => {
  const decoders = { decodeCommand, decodeResponse, decodeTransmission } as const;

  for (const [name, decode] of Object.entries(decoders)) {
    test(`${name} of random bytes succeeds or throws DecodeError`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          decodeOrDecodeError(() => decode(bytes));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  test('decodeCommand of damaged commands succeeds or throws DecodeError; what decodes re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(damaged(commandArb.map(encodeCommand)), (bytes) => {
        const command = decodeOrDecodeError(() => decodeCommand(bytes));
        if (command && !(command.type === 'SEND' && command.body.length > MAX_MESSAGE_BODY)) {
          assert.deepEqual(encodeCommand(command), bytes);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test('decodeResponse of damaged responses succeeds or throws DecodeError; what decodes re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(damaged(responseArb.map(encodeResponse)), (bytes) => {
        const response = decodeOrDecodeError(() => decodeResponse(bytes));
        if (response) assert.deepEqual(encodeResponse(response), bytes);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test('decodeTransmission of damaged transmissions succeeds or throws DecodeError; what decodes re-encodes to the same bytes', () => {
    const transmission = fc
      .tuple(signatureArb, corrIdArb, entityIdArb, commandArb.map(encodeCommand))
      .map(([signature, corrId, entityId, message]) => encodeTransmission(signature, encodeSigned(corrId, entityId, message)));
    fc.assert(
      fc.property(damaged(transmission), (bytes) => {
        const t = decodeOrDecodeError(() => decodeTransmission(bytes));
        if (t) {
          assert.deepEqual(encodeTransmission(t.signature, encodeSigned(t.corrId, t.entityId, t.message)), bytes);
          assert.deepEqual(t.signed, bytes.subarray(1 + t.signature.length));
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('commands and responses: limits and misuse', () => {
  test('encodeCommand accepts a SEND body of MAX_MESSAGE_BODY and refuses one byte more with RangeError', () => {
    const atLimit = encodeCommand({ type: 'SEND', body: new Uint8Array(MAX_MESSAGE_BODY) });
    assert.equal(atLimit.length, 5 + 2 + MAX_MESSAGE_BODY);
    assert.throws(() => encodeCommand({ type: 'SEND', body: new Uint8Array(MAX_MESSAGE_BODY + 1) }), isRangeError);
  });

  test('decodeCommand still decodes an oversize SEND, so the relay can answer LARGE_MSG', () => {
    const body = new Uint8Array(MAX_MESSAGE_BODY + 1).fill(9);
    const bytes = concatBytes(new Uint8Array([4]), utf8('SEND'), new Uint8Array([body.length >> 8, body.length & 0xff]), body);
    assert.deepEqual(decodeCommand(bytes), { type: 'SEND', body });
  });

  test('encoders refuse fields of the wrong size with RangeError', () => {
    const short = new Uint8Array(31);
    assert.throws(() => encodeCommand({ type: 'NEW', recipientAuthKey: short, recipientDhKey: new Uint8Array(32), password: '' }), isRangeError);
    assert.throws(() => encodeCommand({ type: 'NEW', recipientAuthKey: new Uint8Array(32), recipientDhKey: new Uint8Array(33), password: '' }), isRangeError);
    assert.throws(() => encodeCommand({ type: 'NEW', recipientAuthKey: new Uint8Array(32), recipientDhKey: new Uint8Array(32), password: 'x'.repeat(256) }), isRangeError);
    assert.throws(() => encodeCommand({ type: 'KEY', senderAuthKey: short }), isRangeError);
    assert.throws(() => encodeCommand({ type: 'ACK', msgId: new Uint8Array(23) }), isRangeError);
    assert.throws(() => encodeResponse({ type: 'IDS', recipientId: new Uint8Array(24), senderId: new Uint8Array(25), serverDhKey: new Uint8Array(32) }), isRangeError);
    assert.throws(() => encodeResponse({ type: 'MSG', msgId: new Uint8Array(24), encryptedBody: new Uint8Array(0x10000) }), isRangeError);
    assert.throws(() => encodeSigned(new Uint8Array(MAX_CORRELATION_ID_LENGTH + 1), EMPTY, EMPTY), isRangeError);
    assert.throws(() => encodeSigned(EMPTY, new Uint8Array(ID_LENGTH - 1), EMPTY), isRangeError);
    assert.throws(() => encodeTransmission(new Uint8Array(SIGNATURE_LENGTH - 1), encodeSigned(EMPTY, EMPTY, EMPTY)), isRangeError);
  });

  test('the MSG delivering the largest SEND body, with the longest ids, fits in one block', () => {
    // timestamp:u64 flags:u8 body, plus the 16-byte XChaCha20-Poly1305 tag.
    const encryptedBody = new Uint8Array(8 + 1 + MAX_MESSAGE_BODY + 16);
    const message = encodeResponse({ type: 'MSG', msgId: new Uint8Array(ID_LENGTH), encryptedBody });
    const transmission = encodeTransmission(EMPTY, encodeSigned(new Uint8Array(MAX_CORRELATION_ID_LENGTH), new Uint8Array(ID_LENGTH), message));
    assert.ok(transmission.length <= MAX_TRANSMISSION_SIZE, `${transmission.length} > ${MAX_TRANSMISSION_SIZE}`);
  });

  test('signatureInput is the session id followed by the signed part', () => {
    const sessionId = new Uint8Array(32).fill(0x22);
    const signed = encodeSigned(new Uint8Array([1]), EMPTY, encodeCommand({ type: 'PING' }));
    assert.deepEqual(signatureInput(sessionId, signed), concatBytes(sessionId, signed));
  });

  test('decoders reject a tag of the other direction', () => {
    assert.throws(() => decodeCommand(encodeResponse({ type: 'OK' })), (e: unknown) => e instanceof DecodeError && e.code === 'INVALID');
    assert.throws(() => decodeResponse(encodeCommand({ type: 'PING' })), (e: unknown) => e instanceof DecodeError && e.code === 'INVALID');
  });
});
