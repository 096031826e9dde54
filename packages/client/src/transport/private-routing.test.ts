// Which way a SEND to a peer's queue takes, per profile setting (EMP §7.8,
// graph-chat §8.1), and that profiles stored before the setting existed
// load with the default.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRecord, encodeRecord } from '../store/record-codec.js';
import type { PrivateRouting, ProfileRecord } from '../store/records.js';
import { privateRoutingOf, routeTo } from './private-routing.js';

const FP = 'NKMaDQFvrZuGtwupX0sht_TqQBBEEINvd9friwXXhZ8';
const OWN_1 = `emp://${FP}:secret@own1.example:5223`;
const OWN_2 = `emp://${FP}@own2.example:5223`;
const PEER = `emp://${FP}@peer.example:5223`;

function profile(relays: readonly string[], privateRouting?: PrivateRouting): ProfileRecord {
  return { id: 'p', profile: { displayName: 'p' }, relays, sessionPerConnection: false, ...(privateRouting ? { privateRouting } : {}), createdAt: 0 };
}

describe('private routing', () => {
  test('by default forwards to a peer relay through the own relays, and sends to an own relay directly', () => {
    assert.deepEqual(routeTo(profile([OWN_1, OWN_2]), PEER), { direct: false, via: [OWN_1, OWN_2] });
    // The same relay without the password is still an own relay.
    assert.deepEqual(routeTo(profile([OWN_1, OWN_2]), `emp://${FP}@own1.example:5223`), { direct: true });
  });

  test('"always" forwards to an own relay through another own relay, and directly when there is no other', () => {
    assert.deepEqual(routeTo(profile([OWN_1, OWN_2], 'always'), OWN_1), { direct: false, via: [OWN_2] });
    assert.deepEqual(routeTo(profile([OWN_1], 'always'), OWN_1), { direct: true });
    assert.deepEqual(routeTo(profile([OWN_1], 'always'), PEER), { direct: false, via: [OWN_1] });
  });

  test('"never" sends directly, to any relay', () => {
    assert.deepEqual(routeTo(profile([OWN_1, OWN_2], 'never'), PEER), { direct: true });
  });

  test('a relay listed twice forwards once', () => {
    assert.deepEqual(routeTo(profile([OWN_1, `emp://${FP}@own1.example:5223`]), PEER), { direct: false, via: [OWN_1] });
  });

  test('a profile stored without the setting loads, and means "unknown-relays"', () => {
    const stored = encodeRecord({ id: 'old', profile: { displayName: 'old' }, relays: [OWN_1], sessionPerConnection: false, createdAt: 1 });
    const loaded = decodeRecord(stored) as ProfileRecord;
    assert.equal(loaded.privateRouting, undefined);
    assert.equal(privateRoutingOf(loaded), 'unknown-relays');
    assert.equal(privateRoutingOf(decodeRecord(encodeRecord(profile([OWN_1], 'never'))) as ProfileRecord), 'never');
  });
});
