// Shared by the chat codec tests (invitation-, content-, envelope- and
// queue-body-codec.test.ts): error matchers, a sample relay and invitation,
// fast-check arbitraries for queues and content, and the truncation check.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toBase64url } from '../bytes.js';
import type { Content, ProfileContent } from '../chat/content.js';
import { ChatError, type ChatErrorCode } from '../chat/errors.js';
import type { Invitation } from '../chat/invitation.js';
import type { QueueAddress } from '../chat/queue-address.js';
import { formatRelayAddress } from '../emp/address.js';
import { DecodeError } from '../errors.js';

export const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;
export const isChatError = (code: ChatErrorCode) => (error: unknown): boolean => error instanceof ChatError && error.code === code;
export const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
export const FP = toBase64url(new Uint8Array(32).fill(9));
export const RELAY = `emp://${FP}@relay.example.com`;

// ---------------------------------------------------------------- arbitraries

const relayArb = fc
  .record(
    {
      fingerprint: bytes(32),
      host: fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`)),
      port: fc.oneof(fc.constant(443), fc.integer({ min: 1, max: 65535 })),
      tls: fc.boolean(),
    },
    { noNullPrototype: true },
  )
  .map((address) => formatRelayAddress({ ...address, password: '' }))
  .filter((relay) => relay.length <= 255);
const queueArb: fc.Arbitrary<QueueAddress> = fc.record({ relay: relayArb, senderId: bytes(24) }, { noNullPrototype: true });
export const queuesArb = fc.array(queueArb, { minLength: 1, maxLength: 8 });

const noControl = (s: string): boolean => !/[\u0000-\u001f\u007f-\u009f]/.test(s);
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
const displayNameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => noControl(s) && [...s].length <= 100 && s.length > 0);
const profileTextArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => utf8Length(s) <= 500);
const profileArb: fc.Arbitrary<ProfileContent> = fc.record(
  {
    displayName: displayNameArb,
    fullName: profileTextArb.filter(noControl),
    image: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    status: profileTextArb,
  },
  { requiredKeys: ['displayName'], noNullPrototype: true },
);
const senderKeysArb = fc.array(bytes(32), { minLength: 1, maxLength: 8 });
export const contentArb: fc.Arbitrary<Content> = fc.oneof(
  fc.record({ type: fc.constant('confirm' as const), replyQueues: queuesArb, senderKeys: senderKeysArb, profile: profileArb }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('reply' as const), senderKeys: senderKeysArb, profile: profileArb }, { noNullPrototype: true }),
  fc.constant({ type: 'hello' as const }),
  fc.record({ type: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', maxLength: 200 }) }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('receipt' as const), seq: fc.integer({ min: 1, max: 0xffffffff }), hash: bytes(32) }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('profile' as const), profile: profileArb }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('queues-add' as const), queues: queuesArb }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('queues-keys' as const), addHash: bytes(32), senderKeys: senderKeysArb }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('queues-use' as const), use: fc.array(bytes(24), { minLength: 1, maxLength: 8 }), retire: fc.array(bytes(24), { maxLength: 8 }) }, { noNullPrototype: true }),
  fc.constant({ type: 'queues-test' as const }),
  fc.record({ type: fc.constant('optional' as const), tag: fc.integer({ min: 64, max: 127 }), body: fc.uint8Array({ maxLength: 300 }) }, { noNullPrototype: true }),
);

export function sampleInvitation(queues: readonly QueueAddress[] = [{ relay: RELAY, senderId: new Uint8Array(24).fill(5) }]): Invitation {
  return {
    versions: { min: 2, max: 2 },
    kind: 'one-time',
    keys: { dh: new Uint8Array(32).fill(1), kem: new Uint8Array(1184).fill(2), sig: new Uint8Array(32).fill(3) },
    queues,
  };
}

/** Every strict prefix of `encoded` fails to decode with DecodeError. */
export function assertPrefixesFail(encoded: Uint8Array, decode: (b: Uint8Array) => unknown, step = 1): void {
  for (let n = 0; n < encoded.length; n += step) assert.throws(() => decode(encoded.subarray(0, n)), isDecodeError, `prefix of ${n} bytes`);
}
