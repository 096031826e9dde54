/**
 * Moving a connection's queues (graph-chat §8.6), as pure steps inside the
 * caller's transaction. R, the side that receives, moves its receive
 * queues; S, the side that sends to them, follows:
 *
 *   R  queues-add  (new queues)         → S   S draws sender keys
 *   S  queues-keys (one key per queue)  → R   R registers them (KEY)
 *   R  queues-use  (use these, retire those) → S   S switches
 *   S  queues-test (through the new queues only) → R   R deletes the old ones
 *
 * Each message is an envelope of the conversation (signed, chained, inside
 * the ratchet), so a relay can neither forge nor reorder one, and S sends
 * only to queues R named with keys S drew. Each step is one transaction
 * with the envelope that causes it, so a crash between steps resumes where
 * it stopped.
 */
import { equalBytes, queueRelay, type Content } from '@graphchat/core';
import type { StepContext } from '../context.js';
import type { MoveStep } from '../events.js';
import { enqueueBody } from '../outbox/enqueue.js';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { sendSealed } from '../outbox/enqueue.js';
import { asSenderKey, senderKeys } from '../store/keys.js';
import type { AgreedConnection, OutboxRecord, ReceiveQueueRecord, SendQueueRecord } from '../store/records.js';
import { nextRotation } from './rotation.js';

type Extracted<T extends Content['type']> = Extract<Content, { type: T }>;

function report(ctx: StepContext, connection: AgreedConnection, step: MoveStep, relays: readonly string[]): void {
  ctx.events.push({ event: 'move', contact: connection.id, step, relays: [...new Set(relays)] });
}

function reject(ctx: StepContext, connection: AgreedConnection, reason: string): AgreedConnection {
  ctx.events.push({ event: 'rejected', contact: connection.id, reason });
  return connection;
}

const inUse = (queue: { readonly state?: string }): boolean => queue.state === undefined;

/** Seals a move envelope and queues it to the queues in use (or to `only`). */
function seal(ctx: StepContext, connection: AgreedConnection, content: Content, only?: readonly SendQueueRecord[]): AgreedConnection {
  const sealed = sealEnvelope(ctx.crypto, connection, content, ctx.now);
  sendSealed(ctx, 'queues', sealed, only);
  return sealed.connection;
}

/**
 * R, step 1: the queues just created (NEW) on the relays of the move join
 * the connection as `new`, and queues-add names them to S.
 */
export function beginMove(ctx: StepContext, connection: AgreedConnection, created: readonly ReceiveQueueRecord[]): AgreedConnection {
  const added = created.map((queue) => ({ ...queue, state: 'new' as const }));
  const next: AgreedConnection = { ...connection, receiveQueues: [...connection.receiveQueues, ...added], moveWanted: null };
  report(ctx, next, 'added', added.map((q) => queueRelay(q.relay)));
  const signed = signsMoves(connection);
  // Off the record, signed all the same when the contact asked to go back on: its answer (signed) names this one.
  const sealing = signed && connection.offTheRecord === true ? { ...next, offTheRecord: false } : next;
  const sealed = sealEnvelope(ctx.crypto, sealing, { type: 'queues-add', queues: added.map((q) => ({ relay: queueRelay(q.relay), senderId: q.senderId })) }, ctx.now);
  sendSealed(ctx, 'queues', sealed);
  const mode = connection.offTheRecord === true ? { offTheRecord: true } : {};
  return { ...sealed.connection, ...mode, move: { step: 'added', startedAt: ctx.now, addHash: sealed.hash, ...(signed ? {} : { addUnsigned: true }) } };
}

/**
 * Whether this side's queues-add goes signed: it signs, or the contact asked
 * to go back on the record and so signs already (§8.5; signing is never
 * refused). queues-keys names the queues-add by hash, and a signed envelope
 * never names an unsigned one (§4.7).
 */
export function signsMoves(connection: AgreedConnection): boolean {
  const proposal = connection.modeProposal;
  return connection.offTheRecord !== true || (proposal?.byPeer === true && !proposal.offTheRecord);
}

/**
 * S, step 2: R's new queues. S draws a sender key for each and keeps them as
 * `new` (not sent to yet); queues-keys carries the public keys. A newer
 * queues-add replaces the queues of an older one that never came into use.
 */
export function peerAddedQueues(ctx: StepContext, connection: AgreedConnection, content: Extracted<'queues-add'>, addHash: Uint8Array, unsigned: boolean): AgreedConnection {
  // A signed envelope never names an unsigned one (§4.7): an off-the-record queues-add that arrives once this side
  // signs again goes unanswered, and R starts its move over when it signs again too.
  if (unsigned && connection.offTheRecord !== true) return connection;
  const added: SendQueueRecord[] = content.queues.map((queue) => {
    const keys = senderKeys(ctx.crypto.ed25519KeyPair());
    return { relay: queue.relay, senderId: queue.senderId, senderPublicKey: keys.publicKey, senderSecretKey: keys.secretKey, state: 'new' };
  });
  const next: AgreedConnection = { ...connection, sendQueues: [...connection.sendQueues.filter(inUse), ...added] };
  report(ctx, next, 'peer-added', content.queues.map((q) => q.relay));
  return seal(ctx, next, { type: 'queues-keys', addHash, senderKeys: added.map((q) => q.senderPublicKey) });
}

/**
 * R, step 3: S's sender keys, one per new queue in order; the work loop
 * registers them (KEY). Keys that answer another queues-add (of a move
 * this side gave up) are not these queues' keys.
 */
export function peerKeys(ctx: StepContext, connection: AgreedConnection, content: Extracted<'queues-keys'>): AgreedConnection {
  const fresh = connection.receiveQueues.filter((q) => q.state === 'new');
  const move = connection.move;
  if (move?.step !== 'added' || !equalBytes(content.addHash, move.addHash) || content.senderKeys.length !== fresh.length) {
    return reject(ctx, connection, 'queues-keys for no queues-add of this side');
  }
  let i = 0;
  const receiveQueues = connection.receiveQueues.map((q) => (q.state === 'new' ? { ...q, peerSenderKey: asSenderKey(content.senderKeys[i++]!) } : q));
  const next: AgreedConnection = { ...connection, receiveQueues, move: { ...move, step: 'keyed' } };
  report(ctx, next, 'keyed', fresh.map((q) => queueRelay(q.relay)));
  return next;
}

/**
 * R, step 4, once every new queue is secured: queues-use tells S to send
 * through them, and to stop sending to the queues in use so far, which R
 * keeps receiving from (`retiring`) until S has switched. Returns the
 * connection unchanged while a KEY is still missing.
 */
export function useWhenSecured(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  const fresh = connection.receiveQueues.filter((q) => q.state === 'new');
  if (connection.move?.step !== 'keyed' || fresh.length === 0 || !fresh.every((q) => q.secured)) return connection;
  const retiring = connection.receiveQueues.filter((q) => inUse(q) || q.state === 'retiring');
  const receiveQueues = connection.receiveQueues.map((q) => (inUse(q) ? { ...q, state: 'retiring' as const } : q));
  const next: AgreedConnection = { ...connection, receiveQueues, move: { ...connection.move, step: 'using' } };
  report(ctx, next, 'using', fresh.map((q) => queueRelay(q.relay)));
  return seal(ctx, next, { type: 'queues-use', use: fresh.map((q) => q.senderId), retire: retiring.map((q) => q.senderId) });
}

/**
 * S, step 5: R secured the new queues. S sends through them from now on and
 * drops the retired ones: what still waits in the outbox for a retired queue
 * goes to the new ones instead (R may delete the old ones as soon as it has
 * queues-test, and their relay may be down). queues-test then goes through
 * the new queues only.
 */
export function peerUse(ctx: StepContext, connection: AgreedConnection, content: Extracted<'queues-use'>): AgreedConnection {
  const has = (ids: readonly Uint8Array[], queue: SendQueueRecord): boolean => ids.some((id) => equalBytes(id, queue.senderId));
  const used = connection.sendQueues.filter((q) => q.state === 'new' && has(content.use, q));
  if (used.length !== content.use.length) return reject(ctx, connection, 'queues-use names queues this side has no keys for');
  const kept = connection.sendQueues.filter((q) => inUse(q) && !has(content.retire, q));
  const nowUsed = used.map(({ state: _new, ...queue }) => queue);
  const next: AgreedConnection = { ...connection, sendQueues: [...kept, ...nowUsed] };
  const retired = connection.sendQueues.filter((q) => inUse(q) && has(content.retire, q));
  retarget(ctx, next, retired);
  report(ctx, next, 'peer-switched', nowUsed.map((q) => q.relay));
  return seal(ctx, next, { type: 'queues-test' }, nowUsed);
}

/** Outbox items waiting for retired queues: each envelope not waiting for a remaining queue too is queued to them. */
function retarget(ctx: StepContext, connection: AgreedConnection, retired: readonly SendQueueRecord[]): void {
  const { store } = ctx;
  const items = store.listOutbox().filter((item) => item.connectionId === connection.id);
  const isRetired = (item: OutboxRecord): boolean => retired.some((q) => equalBytes(q.senderId, item.senderId));
  const moving = items.filter(isRetired);
  for (const item of moving) store.deleteOutbox(item.id);
  const staying = items.filter((item) => !isRetired(item));
  const done = new Set<string>();
  for (const item of moving) {
    const key = `${item.seq} ${item.hash.join(',')}`;
    if (done.has(key) || staying.some((other) => other.seq === item.seq && equalBytes(other.hash, item.hash))) continue;
    done.add(key);
    enqueueBody(store, connection, { body: item.body, messageId: item.messageId, seq: item.seq, hash: item.hash });
  }
}

/**
 * R, step 6: queues-test, delivered in order, so S had switched before it
 * and everything S sent earlier is delivered: the retiring queues can go
 * (the work loop DELetes them), and the new ones are in use.
 */
export function peerTested(ctx: StepContext, connection: AgreedConnection, rotationMs: number): AgreedConnection {
  if (connection.move?.step !== 'using') return reject(ctx, connection, 'queues-test for no queues-use of this side');
  const receiveQueues = connection.receiveQueues.map((q): ReceiveQueueRecord => {
    if (q.state === 'retiring') return { ...q, state: 'deleting' };
    if (q.state !== 'new') return q;
    const { state: _new, ...queue } = q;
    return queue;
  });
  const next: AgreedConnection = { ...connection, receiveQueues, move: null, ...nextRotation(ctx, rotationMs) };
  report(ctx, next, 'done', receiveQueues.filter(inUse).map((q) => queueRelay(q.relay)));
  return next;
}
