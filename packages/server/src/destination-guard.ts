/**
 * Which hosts a forwarding relay may connect to for its clients (EMP §7.7
 * PRXY, §14.9). A client names the destination, so without this check it
 * could make the relay connect to the relay's own loopback or private
 * network (server-side request forgery). The check runs inside the DNS
 * lookup the connection itself uses, so a name can't resolve to a public
 * address for the check and a private one for the connection.
 */
import { CodedError } from '@graphchat/core';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

// Two lists: BlockList matches an IPv4 address against IPv6 rules as IPv4-mapped, so ::/96 would catch every one.
const BLOCKED_V4 = new BlockList();
const BLOCKED_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (carrier NAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  BLOCKED_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv6 forms that carry an IPv4 address, which a gateway or the host's own stack may turn into
  // a connection to that IPv4 address, private ones included: refused whole rather than decoded.
  ['::', 96], // IPv4-compatible, and the unspecified and loopback addresses
  ['::ffff:0:0', 96], // IPv4-mapped, as hex (the dotted form is checked as IPv4 below)
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // NAT64, local use
  ['2002::', 16], // 6to4
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED_V6.addSubnet(network, prefix, 'ipv6');
}

/** Whether `ip` (an IPv4 or IPv6 address, IPv4-mapped included) is one a forwarding relay must not connect to. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return BLOCKED_V4.check(ip, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return BLOCKED_V4.check(mapped[1]!, 'ipv4');
  return BLOCKED_V6.check(ip, 'ipv6');
}

/** A host of a relay address as `net` takes it: an IPv6 address without its brackets. */
export function bareHost(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** A destination refused because its host is, or resolves to, a private address. */
export class DestinationError extends CodedError<'PRIVATE'> {
  override readonly name = 'DestinationError';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/http that fails when any address of the name is private. */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked !== undefined || addresses.length === 0) {
      return callback(new DestinationError('PRIVATE', `${hostname} resolves to a private address`), []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
