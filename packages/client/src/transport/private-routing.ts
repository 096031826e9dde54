/**
 * Which way a SEND to a peer's queue takes (EMP §7.8, graph-chat §8.1):
 * straight to the peer's relay, or through one of the profile's own relays,
 * which forwards it, so the peer's relay never learns the client's address
 * and the client never connects to a host a peer named.
 */
import { relayKey } from './relay-pool.js';
import type { PrivateRouting, ProfileRecord } from '../store/records.js';

export const DEFAULT_PRIVATE_ROUTING: PrivateRouting = 'unknown-relays';

export function privateRoutingOf(profile: ProfileRecord): PrivateRouting {
  return profile.privateRouting ?? DEFAULT_PRIVATE_ROUTING;
}

/** Direct to the destination, or forwarded by one of `via` (the profile's relays, in the order to try them). */
export type Route = { readonly direct: true } | { readonly direct: false; readonly via: readonly string[] };

/**
 * The route to `destination` for a profile. 'unknown-relays' forwards only
 * to relays that are not the profile's own. 'always' forwards to an own
 * relay too, through another own relay when the profile has one; with a
 * single relay it sends directly, since that relay is the user's choice and
 * sees the client's address for receiving anyway.
 */
export function routeTo(profile: ProfileRecord, destination: string): Route {
  const setting = privateRoutingOf(profile);
  if (setting === 'never') return { direct: true };
  const target = relayKey(destination);
  const own = profile.relays.some((relay) => relayKey(relay) === target);
  if (own && setting === 'unknown-relays') return { direct: true };
  const via = profile.relays.filter((relay, i, all) => relayKey(relay) !== target && all.findIndex((r) => relayKey(r) === relayKey(relay)) === i);
  return via.length === 0 ? { direct: true } : { direct: false, via };
}
