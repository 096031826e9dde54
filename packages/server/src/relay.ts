/**
 * The relay's command logic, independent of transport: a RelayConnection
 * takes the transmissions of one decoded block and returns the response
 * transmissions; pushed messages go out through the connection's `push`.
 * docs/protocol/edge-messaging.md §Commands is the contract for this file.
 */
import {
  decodeCommand,
  DecodeError,
  decodeTransmission,
  encryptQueueMessage,
  equalBytes,
  limits,
  queueSecret,
  signatureInput,
  type Command,
  type Crypto,
  type KeyPair,
  type Response,
  type Transmission,
} from '@graphchat/core';
import { AddressRates, TokenBucket, type RateLimit } from './admission.js';
import { ForwardedReceiver } from './forwarded.js';
import { ProxySet, type ForwardAnswer, type Forwarder } from './forwarder.js';
import type { Logger } from './log.js';
import { err, passwordMatches, respond } from './relay-responses.js';
import type { QueueRecord, QueueStore } from './store.js';

export interface RelayOptions {
  readonly crypto: Crypto;
  readonly store: QueueStore;
  /** Empty for a public relay; otherwise NEW must carry it. */
  readonly password: string;
  /** Undelivered messages a queue may hold. */
  readonly queueQuota: number;
  /** Subscriptions one connection may hold. */
  readonly maxSubscriptions: number;
  /** Queues one session may create; 0: no limit. */
  readonly maxQueuesPerSession: number;
  /** NEW per session, and per client address over all its sessions (token buckets). */
  readonly sessionQueueRate: RateLimit;
  readonly addressQueueRate: RateLimit;
  /** SEND body bytes per client address (token bucket). */
  readonly addressSendRate: RateLimit;
  readonly log: Logger;
  readonly now?: () => number;
  /** The relay's static key: opens transmissions forwarded to it (RFWD, EMP §7.8). Without it, RFWD gets AUTH. */
  readonly staticKey?: KeyPair;
  /** Forwards for this relay's clients (PRXY, PFWD). Without it, PRXY gets PROXY. */
  readonly forwarder?: Forwarder;
}

export interface RelayCounters {
  messagesSent: number;
  messagesDelivered: number;
  connections: number;
}

interface Subscription {
  readonly connection: RelayConnection;
  readonly recipientId: Uint8Array;
  /** The message pushed and not yet acknowledged. */
  delivered: Uint8Array | null;
  /** A delivery lookup is in progress; `again` asks it to look once more. */
  busy: boolean;
  again: boolean;
}

const EMPTY = new Uint8Array(0);

/** A map key for a 24-byte id: one char per byte, cheaper than hex on the hot path. */
function idKey(id: Uint8Array): string {
  return String.fromCharCode.apply(null, id as unknown as number[]);
}

export class Relay {
  readonly counters: RelayCounters = { messagesSent: 0, messagesDelivered: 0, connections: 0 };
  private readonly subscriptions = new Map<string, Subscription>();
  readonly now: () => number;
  /** Verified when a queue does not exist, so timing does not reveal which ids exist. */
  private readonly dummyKey: Uint8Array;
  readonly addressRates: AddressRates;

  constructor(readonly options: RelayOptions) {
    this.now = options.now ?? Date.now;
    this.dummyKey = options.crypto.ed25519KeyPair().publicKey;
    this.addressRates = new AddressRates(options.addressQueueRate, options.addressSendRate, this.now);
  }

  /**
   * `address` is the client's (admission.ts clientAddress): NEW is rate-limited per address.
   * `version` is the session's EMP version: version 1 has no forwarding commands.
   */
  connect(sessionId: Uint8Array, push: (transmission: Uint8Array) => void, canSubscribe: boolean, address: string, version: number = limits.MAX_VERSION): RelayConnection {
    return new RelayConnection(this, sessionId, push, canSubscribe, address, version);
  }

  close(): void {
    this.addressRates.close();
  }

  /** Verifies `signature` with `key`, or with a dummy key when there is none, in comparable time. */
  verify(key: Uint8Array | null, t: Transmission, sessionId: Uint8Array): boolean {
    if (t.signature.length === 0) return false;
    const ok = this.options.crypto.ed25519Verify(key ?? this.dummyKey, signatureInput(sessionId, t.signed), t.signature);
    return ok && key !== null;
  }

  subscription(recipientId: Uint8Array): Subscription | undefined {
    return this.subscriptions.get(idKey(recipientId));
  }

  subscribe(connection: RelayConnection, recipientId: Uint8Array): void {
    const key = idKey(recipientId);
    const previous = this.subscriptions.get(key);
    if (previous && previous.connection !== connection) previous.connection.ended(recipientId);
    this.subscriptions.set(key, { connection, recipientId, delivered: null, busy: false, again: false });
    this.deliverSoon(recipientId);
  }

  unsubscribe(connection: RelayConnection, recipientId: Uint8Array): void {
    const key = idKey(recipientId);
    if (this.subscriptions.get(key)?.connection === connection) this.subscriptions.delete(key);
  }

  /** Starts `deliver` without waiting for it; a store failure is logged, and the next SUB, SEND or ACK tries again. */
  deliverSoon(recipientId: Uint8Array): void {
    this.deliver(recipientId).catch((error: unknown) => this.options.log.error(`relay: delivery failed: ${String(error)}`));
  }

  /** Pushes the oldest message to the subscriber, unless one is awaiting its ACK. */
  private async deliver(recipientId: Uint8Array): Promise<void> {
    const sub = this.subscription(recipientId);
    if (sub === undefined) return;
    if (sub.busy) {
      sub.again = true;
      return;
    }
    sub.busy = true;
    try {
      do {
        sub.again = false;
        if (sub.delivered !== null || this.subscription(recipientId) !== sub) return;
        const message = await this.options.store.firstMessage(recipientId);
        if (message !== null && sub.delivered === null && this.subscription(recipientId) === sub) {
          sub.delivered = message.msgId;
          this.counters.messagesDelivered++;
          sub.connection.pushMessage(recipientId, message.msgId, message.body);
        }
      } while (sub.again);
    } finally {
      sub.busy = false;
    }
  }
}

export class RelayConnection {
  private readonly subscribed = new Map<string, Uint8Array>();
  /** Queues whose recipient key this session proved with a signed SUB or GET. */
  private readonly authorized = new Set<string>();
  private closed = false;
  private queuesCreated = 0;
  private readonly queueBucket: TokenBucket;
  /** Whether the last block handled wrote to the store, and so waited for a commit. */
  lastBlockWrote = false;
  /** Forwarding state, made on the first forwarding command (EMP §7.8). */
  private proxies: ProxySet | null = null;
  private forwarded: ForwardedReceiver | null = null;

  constructor(
    private readonly relay: Relay,
    private readonly sessionId: Uint8Array,
    private readonly push: (transmission: Uint8Array) => void,
    private readonly canSubscribe: boolean,
    private readonly address: string,
    private readonly version: number,
  ) {
    relay.counters.connections++;
    this.queueBucket = new TokenBucket(relay.options.sessionQueueRate, relay.now());
  }

  /**
   * Executes the transmissions of one block, in order, and returns their
   * responses once everything they changed is durable, and those waiting
   * for another relay (PRXY, PFWD) once they have their answer.
   */
  async handle(transmissions: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const { ready, remote } = await this.handleBlock(transmissions);
    return ready.concat(await Promise.all(remote));
  }

  /**
   * Executes one block: `ready` are the responses once what they changed is
   * durable; `remote` those waiting for another relay, which the transports
   * await outside the address's turn and the block order (EMP §7.7).
   */
  async handleBlock(transmissions: readonly Uint8Array[]): Promise<{ ready: Uint8Array[]; remote: Promise<Uint8Array>[] }> {
    const results: [corrId: Uint8Array, entityId: Uint8Array, response: Response][] = [];
    const remote: Promise<Uint8Array>[] = [];
    this.lastBlockWrote = false;
    for (const bytes of transmissions) {
      const [corrId, entityId, answer] = await this.handleOne(bytes);
      if (!('remote' in answer)) results.push([corrId, entityId, answer]);
      else remote.push(answer.remote.then((response) => respond(corrId, entityId, response), () => respond(corrId, entityId, err('INTERNAL'))));
    }
    try {
      await this.relay.options.store.flush();
    } catch (error) {
      this.relay.options.log.error(`relay: commit failed: ${String(error)}`);
      return { ready: results.map(([corrId, entityId]) => respond(corrId, entityId, err('INTERNAL'))), remote };
    }
    return { ready: results.map(([corrId, entityId, response]) => respond(corrId, entityId, response)), remote };
  }

  private async handleOne(bytes: Uint8Array): Promise<[Uint8Array, Uint8Array, ForwardAnswer]> {
    let t: Transmission;
    try {
      t = decodeTransmission(bytes);
    } catch {
      return [EMPTY, EMPTY, err('SYNTAX')];
    }
    try {
      return [t.corrId, t.entityId, await this.execute(t, decodeCommand(t.message))];
    } catch (error) {
      if (error instanceof DecodeError) return [t.corrId, t.entityId, err('SYNTAX')];
      this.relay.options.log.error(`relay: command failed: ${String(error)}`);
      return [t.corrId, t.entityId, err('INTERNAL')];
    }
  }

  private async execute(t: Transmission, command: Command): Promise<ForwardAnswer> {
    if (command.type === 'PING') {
      return t.entityId.length === 0 && t.signature.length === 0 ? { type: 'PONG' } : err('PROHIBITED');
    }
    if (command.type === 'NEW') return this.createQueue(t, command);
    if (command.type === 'PRXY' || command.type === 'PFWD' || command.type === 'RFWD') return this.forwarding(t, command);
    if (t.entityId.length === 0) return err('PROHIBITED');
    if (command.type === 'SEND') return this.send(t, command.body);

    const queue = await this.relay.options.store.queueByRecipientId(t.entityId);
    const key = idKey(t.entityId);
    // An ACK needs no signature from the session that subscribed to (or polled)
    // the queue: that session already proved the recipient key, and Noise
    // authenticates every later frame in it.
    const sessionAuthorized = command.type === 'ACK' && t.signature.length === 0 && this.authorized.has(key);
    if (!sessionAuthorized && !this.relay.verify(queue?.recipientKey ?? null, t, this.sessionId)) return err('AUTH');
    if (queue === null) return err('AUTH');
    if ((command.type === 'SUB' || command.type === 'GET') && this.authorized.size < this.relay.options.maxSubscriptions) this.authorized.add(key);
    return this.recipientCommand(queue, command);
  }

  /** PRXY and PFWD as the forwarding relay, RFWD as the destination (EMP §7.7); version 1 knows none of them. */
  private forwarding(t: Transmission, command: Extract<Command, { type: 'PRXY' | 'PFWD' | 'RFWD' }>): Promise<Response> | ForwardAnswer {
    if (this.version < limits.FORWARDING_VERSION) return err('SYNTAX');
    const { forwarder, staticKey, crypto, log } = this.relay.options;
    if (command.type === 'RFWD') {
      if (staticKey === undefined) return err('AUTH');
      this.forwarded ??= new ForwardedReceiver({ crypto, staticKey, sessionId: this.sessionId, send: (inner, body) => this.send(inner, body) });
      return this.forwarded.receive(t, command);
    }
    if (forwarder === undefined) return err('PROXY');
    const rates = this.relay.addressRates;
    this.proxies ??= new ProxySet(forwarder, { takeProxyToken: () => rates.takeQueueToken(this.address), takeForwardBytes: (n) => rates.takeSendBytes(this.address, n) }, log);
    return command.type === 'PRXY' ? this.proxies.proxy(t, command) : this.proxies.forward(t, command);
  }

  private async createQueue(t: Transmission, command: Extract<Command, { type: 'NEW' }>): Promise<Response> {
    const { crypto, store, password, maxQueuesPerSession } = this.relay.options;
    if (t.entityId.length !== 0) return err('PROHIBITED');
    // Limits first: a refused NEW costs no signature check (§7.3 NEW).
    if (maxQueuesPerSession !== 0 && this.queuesCreated >= maxQueuesPerSession) return err('LIMIT');
    if (!this.queueBucket.take(this.relay.now()) || !this.relay.addressRates.takeQueueToken(this.address)) return err('RATE');
    // The signature proves the client holds the recipient key it registers.
    if (!this.relay.verify(command.recipientAuthKey, t, this.sessionId)) return err('AUTH');
    if (!passwordMatches(crypto, password, command.password)) return err('AUTH');
    const dh = crypto.x25519KeyPair();
    let dhSecret: Uint8Array;
    try {
      dhSecret = queueSecret(crypto, dh.secretKey, command.recipientDhKey);
    } catch {
      return err('SYNTAX'); // a low-order recipient DH key
    } finally {
      crypto.wipe(dh.secretKey);
    }
    const queue: QueueRecord = {
      recipientId: crypto.randomBytes(limits.ID_LENGTH),
      senderId: crypto.randomBytes(limits.ID_LENGTH),
      recipientKey: command.recipientAuthKey,
      senderKey: null,
      dhSecret,
      suspended: false,
    };
    if ((await this.write().createQueue(queue)) === 'full') return err('FULL');
    this.queuesCreated++;
    return { type: 'IDS', recipientId: queue.recipientId, senderId: queue.senderId, serverDhKey: dh.publicKey };
  }

  private async send(t: Transmission, body: Uint8Array): Promise<Response> {
    const { crypto, store, queueQuota } = this.relay.options;
    // Limits first, as for NEW: a refused SEND costs no lookup or signature check.
    if (!this.relay.addressRates.takeSendBytes(this.address, body.length)) return err('RATE');
    const queue = await store.queueBySenderId(t.entityId);
    // A secured queue takes only messages signed by its sender key; an unsecured
    // one only unsigned messages (the confirmation that carries the sender key).
    const authorized = queue?.senderKey != null;
    if (t.signature.length > 0 || authorized) {
      if (!this.relay.verify(queue?.senderKey ?? null, t, this.sessionId)) return err('AUTH');
    }
    if (queue === null || queue.suspended) return err('AUTH');
    if (body.length > limits.MAX_MESSAGE_BODY) return err('LARGE_MSG');
    const msgId = crypto.randomBytes(limits.ID_LENGTH);
    const createdAt = this.relay.now();
    const encrypted = encryptQueueMessage(crypto, queue.dhSecret, msgId, { timestamp: createdAt, authorized, body });
    const added = await this.write().addMessage(queue.recipientId, { msgId, createdAt, body: encrypted }, queueQuota, this.address);
    // The queue can be deleted between the lookup above and this write (a DEL from another connection).
    if (added !== 'ok') return err(added === 'quota' ? 'QUOTA' : added === 'full' ? 'FULL' : 'AUTH');
    this.relay.counters.messagesSent++;
    this.relay.deliverSoon(queue.recipientId);
    return { type: 'OK' };
  }

  private async recipientCommand(queue: QueueRecord, command: Command): Promise<Response> {
    const { store } = this.relay.options;
    const id = queue.recipientId;
    switch (command.type) {
      case 'SUB': {
        if (!this.canSubscribe) return err('PROHIBITED');
        const key = idKey(id);
        if (!this.subscribed.has(key) && this.subscribed.size >= this.relay.options.maxSubscriptions) return err('LIMIT');
        this.subscribed.set(key, id);
        this.relay.subscribe(this, id);
        return { type: 'OK' };
      }
      case 'KEY':
        if (await this.write().secureQueue(id, command.senderAuthKey)) return { type: 'OK' };
        // Repeating the same key is a retry, not a conflict.
        return queue.senderKey !== null && equalBytes(queue.senderKey, command.senderAuthKey) ? { type: 'OK' } : err('DUPLICATE');
      case 'ACK': {
        const acknowledged = await this.write().ackMessage(id, command.msgId);
        const sub = this.relay.subscription(id);
        // Also when the delivered message is gone (expired): otherwise delivery would stall.
        if (sub !== undefined && (acknowledged || (sub.delivered !== null && equalBytes(sub.delivered, command.msgId)))) {
          sub.delivered = null;
          this.relay.deliverSoon(id);
        }
        return acknowledged ? { type: 'OK' } : err('NO_MSG');
      }
      case 'GET': {
        const message = await store.firstMessage(id);
        return message === null ? err('NO_MSG') : { type: 'MSG', msgId: message.msgId, encryptedBody: message.body };
      }
      case 'OFF':
        await this.write().suspendQueue(id);
        return { type: 'OK' };
      case 'DEL': {
        await this.write().deleteQueue(id);
        const sub = this.relay.subscription(id);
        if (sub !== undefined && sub.connection !== this) sub.connection.ended(id);
        if (sub !== undefined) this.relay.unsubscribe(sub.connection, id);
        this.subscribed.delete(idKey(id));
        this.authorized.delete(idKey(id));
        return { type: 'OK' };
      }
      default:
        return err('PROHIBITED');
    }
  }

  /** The store, for a write: notes that this block writes. */
  private write(): QueueStore {
    this.lastBlockWrote = true;
    return this.relay.options.store;
  }

  pushMessage(recipientId: Uint8Array, msgId: Uint8Array, body: Uint8Array): void {
    if (!this.closed) this.push(respond(EMPTY, recipientId, { type: 'MSG', msgId, encryptedBody: body }));
  }

  /** Another connection took over the subscription (or the queue was deleted). */
  ended(recipientId: Uint8Array): void {
    this.subscribed.delete(idKey(recipientId));
    if (!this.closed) this.push(respond(EMPTY, recipientId, { type: 'END' }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.relay.counters.connections--;
    for (const id of this.subscribed.values()) this.relay.unsubscribe(this, id);
    this.subscribed.clear();
    this.authorized.clear();
  }
}
