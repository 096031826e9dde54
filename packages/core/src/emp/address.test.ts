import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { toBase64url, toHex } from '../bytes.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { DecodeError } from '../errors.js';
import { formatRelayAddress, parseRelayAddress, relayFingerprint, relayUrl, type RelayAddress } from './address.js';

const FUZZ_RUNS = 3000;
const FINGERPRINT = new Uint8Array(32).map((_, i) => i * 7);
const FP = toBase64url(FINGERPRINT);

const hostArb = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`));
const addressArb: fc.Arbitrary<RelayAddress> = fc.record(
  {
    fingerprint: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    // Well-formed Unicode: encodeURIComponent can't encode a lone surrogate.
    password: fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 30 })),
    host: hostArb,
    port: fc.oneof(fc.constant(443), fc.integer({ min: 1, max: 65535 })),
    tls: fc.boolean(),
  },
  { noNullPrototype: true },
);

function parseOrDecodeError(text: string): RelayAddress | undefined {
  try {
    return parseRelayAddress(text);
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;

describe('relay addresses: round trips', () => {
  test('parseRelayAddress(formatRelayAddress(a)) deep-equals a', () => {
    fc.assert(
      fc.property(addressArb, (address) => {
        const text = formatRelayAddress(address);
        assert.deepEqual(parseRelayAddress(text), address);
        assert.equal(formatRelayAddress(parseRelayAddress(text)), text);
      }),
      { numRuns: 2000 },
    );
  });

  test('relayUrl is a URL with the address scheme, host and port', () => {
    fc.assert(
      fc.property(addressArb, (address) => {
        const url = new URL(relayUrl(address));
        assert.equal(url.protocol, address.tls ? 'wss:' : 'ws:');
        assert.equal(url.hostname, new URL(`http://${address.host}/`).hostname);
        // URL drops the scheme's default port (443 for wss, 80 for ws).
        const defaultPort = address.tls ? 443 : 80;
        assert.equal(url.port === '' ? defaultPort : Number(url.port), address.port);
        assert.equal(url.pathname, '/');
      }),
      { numRuns: 500 },
    );
  });
});

describe('relay addresses: parsing', () => {
  test('default port 443 means TLS', () => {
    const a = parseRelayAddress(`emp://${FP}@relay.example.com`);
    assert.deepEqual(a, { fingerprint: FINGERPRINT, password: '', host: 'relay.example.com', port: 443, tls: true });
    assert.equal(relayUrl(a), 'wss://relay.example.com:443/');
  });

  test('any other port means no TLS unless ?tls=1', () => {
    const plain = parseRelayAddress(`emp://${FP}:pw@relay.example.com:8080`);
    assert.equal(plain.tls, false);
    assert.equal(plain.password, 'pw');
    assert.equal(relayUrl(plain), 'ws://relay.example.com:8080/');
    const tls = parseRelayAddress(`emp://${FP}:pw@relay.example.com:8443?tls=1`);
    assert.equal(tls.tls, true);
    assert.equal(relayUrl(tls), 'wss://relay.example.com:8443/');
    assert.equal(formatRelayAddress(tls), `emp://${FP}:pw@relay.example.com:8443?tls=1`);
    const off = parseRelayAddress(`emp://${FP}@relay.example.com?tls=0`);
    assert.deepEqual([off.port, off.tls], [443, false]);
  });

  test('percent-encoded passwords are decoded, and encoded again when formatting', () => {
    const a = parseRelayAddress(`emp://${FP}:a%40b%3Ac%2F%20%C3%A9@relay.example.com`);
    assert.equal(a.password, 'a@b:c/ é');
    assert.equal(formatRelayAddress(a), `emp://${FP}:a%40b%3Ac%2F%20%C3%A9@relay.example.com`);
  });

  test('IPv6 hosts keep their brackets', () => {
    const a = parseRelayAddress(`emp://${FP}@[::1]:5223`);
    assert.equal(a.host, '[::1]');
    assert.equal(relayUrl(a), 'ws://[::1]:5223/');
  });

  test('the fingerprint is SHA-256 of the relay static key, with both backends', () => {
    const staticKey = new Uint8Array(32).fill(9);
    const expected = toHex(nobleCrypto.sha256(staticKey));
    assert.equal(toHex(relayFingerprint(nobleCrypto, staticKey)), expected);
    assert.equal(toHex(relayFingerprint(sodiumCrypto, staticKey)), expected);
  });

  test('rejects malformed addresses with DecodeError', () => {
    for (const text of [
      '',
      'emp://',
      `http://${FP}@relay.example.com`,
      `emp://${FP.slice(1)}@relay.example.com`,
      `emp://${FP}x@relay.example.com`,
      `emp://${FP}relay.example.com`,
      `emp://${FP}@`,
      `emp://${FP}@relay.example.com:`,
      `emp://${FP}@relay.example.com:0`,
      `emp://${FP}@relay.example.com:65536`,
      `emp://${FP}@relay.example.com:99999`,
      `emp://${FP}@relay.example.com?tls=yes`,
      `emp://${FP}@relay.example.com?tls=1&x=2`,
      `emp://${FP}@relay.example.com/`,
      `emp://${FP}@relay.example.com#frag`,
      `emp://${FP}:%@relay.example.com`,
      `emp://${FP}:%D8%00@relay.example.com`,
      `emp://${FP}:a@b@relay.example.com`,
      `emp://${FP}@::1`,
      `emp://${FP}@[::1`,
      `EMP://${FP}@relay.example.com`,
    ]) {
      assert.throws(() => parseRelayAddress(text), isDecodeError, JSON.stringify(text));
    }
  });
});

describe('relay addresses: parsing arbitrary text', () => {
  test('parseRelayAddress of arbitrary strings succeeds or throws DecodeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ maxLength: 120 })), (text) => {
        parseOrDecodeError(text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test('parseRelayAddress of damaged addresses succeeds or throws DecodeError; what parses formats and re-parses to the same address', () => {
    const alphabet = fc.constantFrom(...'emp:/@?=&%#[]:.-_AZaz09 \u00e9\uFEFF'.split(''), 'tls=1', '%41', '%zz', '%E9', ':443', ':0');
    const damaged = fc
      .tuple(
        addressArb.map(formatRelayAddress),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), alphabet), { minLength: 1, maxLength: 4 }),
      )
      .map(([text, edits]) => {
        let out = text;
        for (const [position, length, insert] of edits) {
          const at = position % (out.length + 1);
          out = out.slice(0, at) + insert + out.slice(at + length);
        }
        return out;
      });
    fc.assert(
      fc.property(damaged, (text) => {
        const address = parseOrDecodeError(text);
        if (address) assert.deepEqual(parseRelayAddress(formatRelayAddress(address)), address);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
