// Which destination addresses a forwarding relay refuses (EMP §14.9):
// private, loopback and reserved ones, and IPv6 forms that carry an IPv4
// address (NAT64, 6to4, IPv4-compatible, IPv4-mapped).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPrivateAddress } from './destination-guard.js';

describe('destination guard', () => {
  test('refuses private, loopback, reserved and test addresses', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '192.0.2.1', '198.51.100.7', '203.0.113.9', '::', '::1', 'fe80::1', 'fd00::1', '2001:db8::1']) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
  });

  test('refuses IPv6 forms that carry an IPv4 address', () => {
    for (const ip of ['64:ff9b::7f00:1', '64:ff9b::8.8.8.8', '64:ff9b:1::a00:1', '2002:7f00:1::1', '2002:808:808::1', '::127.0.0.1', '::8.8.8.8', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
  });

  test('takes public addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001:81b::200e']) {
      assert.equal(isPrivateAddress(ip), false, ip);
    }
  });
});
