/**
 * Sending one SEND to a peer's queue along its route (private-routing.ts):
 * on the relay's own session, or forwarded by one of the profile's relays
 * (PRXY once per forwarding session and destination, then PFWD per SEND).
 * A forwarded SEND that fails is tried through the profile's next relay;
 * when none forwards it, the caller retries later. It never falls back to
 * a direct session with the peer's relay.
 */
import {
  ForwardError,
  forwardSend,
  openProxy,
  parseRelayAddress,
  RelayClientError,
  type ProxyRoute,
  type RelayClient,
  type Response,
} from '@graphchat/core';
import type { AgentContext } from '../context.js';
import { routeTo } from './private-routing.js';
import { relayKey, type PoolSession } from './relay-pool.js';
import { groupOf } from './sessions.js';
import type { ConnectionRecord } from '../store/records.js';

/** Where one SEND goes: a peer's queue. */
export interface SendTarget {
  readonly relay: string;
  readonly senderId: Uint8Array;
  /** Null for the unsigned confirmation to a queue not yet secured. */
  readonly senderSecretKey: Uint8Array | null;
}

export class QueueSender {
  /** PKEY routes per forwarding client, by destination: a new client (a reconnect) starts afresh. */
  private readonly routes = new WeakMap<RelayClient, Map<string, Promise<ProxyRoute>>>();

  constructor(private readonly ctx: AgentContext) {}

  /** The sessions a SEND to `relay` may leave through: the relay's own, or the profile's forwarding relays'. */
  sessionsFor(connection: ConnectionRecord, relay: string): PoolSession[] {
    const { store, pool } = this.ctx;
    const group = groupOf(store, connection);
    const profile = store.getProfile(connection.profileId);
    const route = profile === null ? { direct: true as const } : routeTo(profile, relay);
    return route.direct ? [pool.session(relay, group)] : route.via.map((via) => pool.session(via, group));
  }

  /** Whether a session a SEND to `relay` could use is up now. */
  canSend(connection: ConnectionRecord, relay: string): boolean {
    return this.sessionsFor(connection, relay).some((session) => session.isUp);
  }

  /**
   * Sends `body` to the target; resolves with the destination's answer, or
   * null when no route is up now (the caller retries after backoff).
   */
  async send(connection: ConnectionRecord, target: SendTarget, body: Uint8Array): Promise<Response | null> {
    const { store } = this.ctx;
    const profile = store.getProfile(connection.profileId);
    const route = profile === null ? { direct: true as const } : routeTo(profile, target.relay);
    const sessions = this.sessionsFor(connection, target.relay);
    if (route.direct) return this.attempt(sessions[0]!, (client) => client.command(target.senderId, { type: 'SEND', body }, target.senderSecretKey), true);
    // Sessions already up first: a SEND waits for no connection it can do without.
    const ordered = [...sessions.filter((s) => s.isUp), ...sessions.filter((s) => !s.isUp)];
    for (const session of ordered) {
      const response = await this.attempt(session, (client) => this.forward(client, target, body), false);
      if (response !== null) return response;
    }
    return null;
  }

  /**
   * Runs `send` on the session's client; null when the session can't be
   * opened or the attempt failed on the way. `closeOnTimeout`: whether a
   * timeout means the relay itself stopped answering.
   */
  private async attempt(session: PoolSession, send: (client: RelayClient) => Promise<Response>, closeOnTimeout: boolean): Promise<Response | null> {
    const { activity } = this.ctx;
    // An open session is used without a wait, so the SENDs of one pass share blocks (EMP §5.3).
    const client = session.isUp ? session.client : await activity.track(session.open());
    if (client === null) return null;
    try {
      return await activity.track(send(client));
    } catch (error) {
      if (error instanceof ForwardError) return null;
      if (!(error instanceof RelayClientError)) throw error;
      // A relay that holds a connection open but stops answering counts as down, so its session is reopened.
      // Not for a forward: its wait is on the destination, and closing the user's own session would drop
      // all its subscriptions; the relay answers PROXY first (core CLIENT_FORWARD_TIMEOUT_MS), and the SEND is retried later.
      if (error.code === 'TIMEOUT' && closeOnTimeout) client.close();
      return null;
    }
  }

  private async forward(client: RelayClient, target: SendTarget, body: Uint8Array): Promise<Response> {
    const destination = relayKey(target.relay);
    let routes = this.routes.get(client);
    if (routes === undefined) {
      routes = new Map();
      this.routes.set(client, routes);
    }
    let route = routes.get(destination);
    if (route === undefined) {
      route = openProxy(client, this.ctx.crypto, parseRelayAddress(destination));
      routes.set(destination, route);
    }
    try {
      return await forwardSend(client, this.ctx.crypto, await route, target.senderId, { type: 'SEND', body }, target.senderSecretKey);
    } catch (error) {
      // The forwarding relay lost its session with the destination, or could not reach it: ask again next time.
      if (routes.get(destination) === route) routes.delete(destination);
      throw error;
    }
  }
}
