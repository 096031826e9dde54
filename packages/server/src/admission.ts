/**
 * What a stranger may take from a public relay (issue 12, part 3): token
 * buckets for queue creation and for SEND bytes, and counters of connections
 * per client address.
 * docs/protocol/edge-messaging.md §10 gives every limit and its reason.
 */
import type { IncomingMessage } from 'node:http';

/** A token bucket's size and refill (in whatever the bucket counts: commands, bytes); `burst` 0 means no limit. */
export interface RateLimit {
  readonly burst: number;
  readonly perMinute: number;
}

/**
 * A token bucket: up to `burst` at once, refilled at `perMinute`. Starts full.
 * A limit of burst 0 lets everything through.
 */
export class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.updated = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updated);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.perMinute) / 60_000);
    this.updated = now;
  }

  /** Takes `cost` tokens if there are that many. */
  take(now: number, cost = 1): boolean {
    if (this.limit.burst === 0) return true;
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Whether the bucket is full again, so forgetting it changes nothing. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit.burst;
  }
}

/**
 * One token bucket per client address. Buckets that have refilled are
 * forgotten by `sweep`, so memory follows the addresses active in the last
 * burst/rate minutes, not every address ever seen.
 */
export class AddressBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limit: RateLimit) {}

  take(address: string, now: number, cost = 1): boolean {
    if (this.limit.burst === 0) return true;
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limit, now);
      this.buckets.set(address, bucket);
    }
    return bucket.take(now, cost);
  }

  sweep(now: number): void {
    for (const [address, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(address);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * The relay's per-address budgets over all sessions: NEW tokens and SEND
 * bytes (EMP §10), swept every minute so idle addresses are forgotten.
 */
export class AddressRates {
  private readonly queues: AddressBuckets;
  private readonly sends: AddressBuckets;
  private readonly sweeper: NodeJS.Timeout;

  constructor(queueRate: RateLimit, sendRate: RateLimit, private readonly now: () => number) {
    this.queues = new AddressBuckets(queueRate);
    this.sends = new AddressBuckets(sendRate);
    this.sweeper = setInterval(() => {
      this.queues.sweep(this.now());
      this.sends.sweep(this.now());
    }, 60_000);
    this.sweeper.unref();
  }

  /** Takes a NEW token from the address's bucket. */
  takeQueueToken(address: string): boolean {
    return this.queues.take(address, this.now());
  }

  /** Takes a SEND's body bytes from the address's bucket. */
  takeSendBytes(address: string, bytes: number): boolean {
    return this.sends.take(address, this.now(), bytes);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** Counts of open things (connections, sessions) in all and per address; a limit of 0 means none. */
export class AddressCounter {
  private readonly counts = new Map<string, number>();
  private all = 0;

  constructor(
    readonly max: number,
    readonly maxPerAddress: number,
  ) {}

  get total(): number {
    return this.all;
  }

  of(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  /** Whether one more in all, and one more from `address`, stays within the limits. */
  allows(address: string): boolean {
    return (this.max === 0 || this.all < this.max) && (this.maxPerAddress === 0 || this.of(address) < this.maxPerAddress);
  }

  /** Counts one more if the limits allow it; false otherwise. */
  tryAdd(address: string): boolean {
    if (!this.allows(address)) return false;
    this.add(address);
    return true;
  }

  add(address: string): void {
    this.all++;
    this.counts.set(address, this.of(address) + 1);
  }

  remove(address: string): void {
    const n = this.of(address);
    if (n === 0) return;
    this.all--;
    if (n === 1) this.counts.delete(address);
    else this.counts.set(address, n - 1);
  }
}

/**
 * The client's address: the TCP peer, or, when the relay trusts its proxy,
 * the last address in X-Forwarded-For (the one the nearest proxy added; those
 * before it are whatever the client claimed). IPv6 addresses are grouped by
 * their first `ipv6Prefix` bits (normalizeAddress).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean, ipv6Prefix: number): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    const last = value?.split(',').pop()?.trim();
    if (last) return normalizeAddress(last, ipv6Prefix);
  }
  return normalizeAddress(req.socket.remoteAddress ?? '', ipv6Prefix);
}

/**
 * The key limits are counted under: an IPv4 address (IPv4-mapped IPv6
 * addresses included), or the network of an IPv6 address's first
 * `ipv6Prefix` bits, written `2001:db8:0:ab00::/56`. One subscriber holds a
 * whole prefix (a /64 at least, often a /56 or /48) and can pick any address
 * in it, so counting single IPv6 addresses would count nothing.
 */
export function normalizeAddress(address: string, ipv6Prefix: number): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const [head, tail] = bare.includes('::') ? bare.split('::') : [bare, undefined];
  const left = head === '' ? [] : head!.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  const kept = groups.slice(0, Math.ceil(ipv6Prefix / 16)).map((group, i) => {
    const bits = Math.min(16, ipv6Prefix - 16 * i); // of this group, within the prefix
    return ((parseInt(group, 16) & (0xffff << (16 - bits))) & 0xffff).toString(16);
  });
  return `${kept.join(':')}${kept.length < 8 ? '::' : ''}/${ipv6Prefix}`;
}
