/**
 * Scheduled rotation (graph-chat §8.6): each connection moves to new queues
 * on its profile's relays every period, so a relay can follow one
 * conversation's queue ids for one period at most.
 */
import type { StepContext } from '../context.js';
import type { ProfileRecord } from '../store/records.js';

/**
 * A week: long enough that rotation costs little (four envelopes and a
 * NEW, KEY and DEL per relay, once a week per connection), short enough
 * that a relay sees one queue id for days, not years. Signal rotates its
 * signed prekey on about this schedule.
 */
export const DEFAULT_ROTATION_MS = 7 * 24 * 60 * 60 * 1000;

/** The profile's rotation period in ms; 0 when rotation is off. */
export function rotationPeriod(profile: ProfileRecord | null): number {
  return profile?.rotationMs ?? DEFAULT_ROTATION_MS;
}

/**
 * When the connection rotates next: a period from now, moved by up to a
 * seventh of it either way (a day, by default) from a fresh random draw, so
 * that a relay can't link two queues by their rotating at the same moment.
 */
export function nextRotation(ctx: Pick<StepContext, 'crypto' | 'now'>, periodMs: number): { rotateAt?: number } {
  if (periodMs <= 0) return {};
  const bytes = ctx.crypto.randomBytes(4);
  const unit = (((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) / 2 ** 32;
  return { rotateAt: ctx.now + Math.round(periodMs * (6 / 7 + (2 / 7) * unit)) };
}
