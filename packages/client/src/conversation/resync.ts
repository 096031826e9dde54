/**
 * Recovering a connection after a state was restored from an older copy
 * (graph-chat §8.7). The side that finds signed evidence of it offers a
 * resync; the other answers. The two run the agreement of §1 again with
 * fresh keys, start a new ratchet from it, and each compares the other's
 * view with its own records: what the peer lacks is sent again (the same
 * signed envelopes, re-encrypted), and what this side wrote from a restored
 * state, which the peer never accepted, is written again after the last
 * envelope the peer holds. Each user is told which device was restored.
 */
import {
  acceptAgreement,
  AgreementError,
  CryptoError,
  createInvitationKeys,
  decodeHeader,
  encodeQueueBody,
  encodeRatchetState,
  equalBytes,
  initReceiver,
  initSender,
  isUnsignedEnvelope,
  joinAgreement,
  openResync,
  RESYNC_WINDOW,
  resyncRootKey,
  sealResync,
  ZERO_HASH,
  type Resync,
  type ResyncView,
} from '@graphchat/core';
import type { StepContext } from '../context.js';
import { enqueueBody } from '../outbox/enqueue.js';
import { chatVersionOf, signingAD, type AgreedConnection, type ConnectionBase } from '../store/records.js';
import { decryptEnvelope, resealEnvelope, sealEnvelope } from './envelope-crypto.js';
import { storeSentHandshake } from './outbound.js';

/** What the receive path does with an envelope decrypted on `connection` (verify, then hold or deliver). */
export type AcceptEnvelope = (ctx: StepContext, connection: AgreedConnection, signed: Uint8Array) => AgreedConnection;

/** This side's view (§8.7): its last sent envelope and the hashes of the last ones it received. */
function viewOf(ctx: StepContext, connection: AgreedConnection): ResyncView {
  const count = Math.min(RESYNC_WINDOW, connection.lastReceivedSeq);
  const receivedHashes: Uint8Array[] = [];
  for (let seq = connection.lastReceivedSeq - count + 1; seq <= connection.lastReceivedSeq; seq++) {
    const message = ctx.store.findMessageBySeq(connection.id, 'received', seq);
    // An unsigned envelope is not named in anything signed (§4.7): its hash would prove it was received.
    const stated = message?.envelope != null && message.hash !== null && !isUnsignedEnvelope(message.envelope);
    receivedHashes.push(stated ? message.hash! : ZERO_HASH);
  }
  return {
    lastSentSeq: connection.lastSentSeq,
    lastSentHash: connection.lastSentUnsigned === true ? ZERO_HASH : connection.lastSentHash,
    lastReceivedSeq: connection.lastReceivedSeq,
    receivedHashes,
  };
}

/**
 * Offers a resync, unless one is already offered; returns the connection's
 * new state. `restored` says this side found its own state restored.
 */
export function offerResync(ctx: StepContext, connection: AgreedConnection, restored: boolean, rekey = false): AgreedConnection {
  if (connection.resyncOffer != null) return connection;
  const { crypto } = ctx;
  const keys = createInvitationKeys(crypto, { sig: { publicKey: connection.signingPublicKey, secretKey: connection.signingSecretKey } });
  const offer: Resync = { kind: 'offer', timestamp: ctx.now, restored: restored && !rekey, ...(rekey ? { rekey } : {}), view: viewOf(ctx, connection), keys: keys.publicKeys };
  const body = sealResync(crypto, connection.signingSecretKey, signingAD(connection), offer, chatVersionOf(connection));
  const hash = crypto.sha256(body);
  enqueueBody(ctx.store, connection, { body, messageId: null, seq: 0, hash });
  const secrets = { dh: keys.secretKeys.dh, kem: keys.secretKeys.kem };
  return { ...connection, resyncOffer: { hash, body, sentAt: ctx.now, timestamp: ctx.now, secrets, ...(rekey ? { rekey } : {}) } };
}

/**
 * What a resync changes of the AD: a rekey puts the AD of its agreement in
 * force (the security code changes, and the user has to compare it again);
 * either kind keeps the replaced ratchet's AD for that ratchet.
 */
function adAfter(connection: AgreedConnection, rekeyAD: Uint8Array | null): Pick<ConnectionBase, 'previousAssociatedData'> & { associatedData?: Uint8Array; handshakeAD?: Uint8Array; codeVerified?: boolean } {
  const previousAssociatedData = connection.associatedData;
  if (rekeyAD === null) return { previousAssociatedData };
  return { associatedData: rekeyAD, handshakeAD: signingAD(connection), previousAssociatedData, codeVerified: false };
}

/** How often a waiting offer may be sent again (offerAgain). */
const OFFER_AGAIN_MS = 60 * 1000;

/**
 * Sends the waiting offer again, at most once a minute, when what arrives
 * suggests the peer answered and the answer was lost (a message the old
 * ratchet cannot open): the peer answers the same offer with the same
 * answer (answerOffer). Returns the connection's new state.
 */
export function offerAgain(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  const offer = connection.resyncOffer;
  if (offer == null || ctx.now - offer.sentAt < OFFER_AGAIN_MS) return connection;
  sendOnce(ctx, connection, offer.body);
  return { ...connection, resyncOffer: { ...offer, sentAt: ctx.now } };
}

/** Queues a resync body unless a copy of it still waits in the outbox; returns whether it did. */
function sendOnce(ctx: StepContext, connection: AgreedConnection, body: Uint8Array): boolean {
  const hash = ctx.crypto.sha256(body);
  const waiting = ctx.store.listOutbox().some((item) => item.connectionId === connection.id && item.seq === 0 && equalBytes(item.hash, hash));
  if (!waiting) enqueueBody(ctx.store, connection, { body, messageId: null, seq: 0, hash });
  return !waiting;
}

/** The seqs after `received` up to `sent`, at most MAX_RESEND of them. */
function seqsAfter(received: number, sent: number): number[] {
  const seqs: number[] = [];
  for (let seq = received + 1; seq <= Math.min(sent, received + MAX_RESEND); seq++) seqs.push(seq);
  return seqs;
}

/** A view's seqs that no honest peer can state: past them this side's seqs could run out (u32) within a conversation's life. */
const SEQ_CEILING = 0xf000_0000;
/** How far beyond this side's last sent envelope a peer's view may say it received: a restore older than this is not recovered. */
const MAX_RESTORED_BEHIND = 1_000_000;
/** Stored envelopes sent again in one resync, at most: a peer's view cannot make this side resend its whole history. */
const MAX_RESEND = 5_000;

/**
 * A resync body from the peer (offer or answer), inside the caller's
 * transaction. A forged, replayed or unexpected one changes nothing.
 */
export function receiveResync(ctx: StepContext, connection: AgreedConnection, body: Uint8Array, acceptEnvelope: AcceptEnvelope): AgreedConnection {
  const reject = (reason: string): AgreedConnection => {
    ctx.events.push({ event: 'rejected', contact: connection.id, reason });
    return connection;
  };
  let resync: Resync;
  try {
    resync = openResync(ctx.crypto, connection.peerSigningKey, signingAD(connection), body);
  } catch (error) {
    return reject(`resync rejected: ${(error as Error).message}`);
  }
  // Signed by the peer, so what follows is the peer's doing; it must not be able to break this side's connection.
  const problem = viewProblem(connection, resync);
  if (problem !== null) return reject(`resync rejected: ${problem}`);
  if (resync.rekey === true && chatVersionOf(connection) < 3) return reject('resync rejected: a rekey on a version 2 connection');
  try {
    if (resync.kind === 'offer') return answerOffer(ctx, connection, resync, ctx.crypto.sha256(encodeQueueBody({ type: 'resync', resync: body }, chatVersionOf(connection))));
    return completeOffer(ctx, connection, resync, acceptEnvelope);
  } catch (error) {
    // An unusable agreement key: thrown by the agreement, before anything is stored.
    if (error instanceof AgreementError || error instanceof CryptoError) return reject(`resync rejected: ${error.message}`);
    throw error;
  }
}

/** Why a resync from the peer cannot be taken, or null. */
function viewProblem(connection: AgreedConnection, resync: Resync): string | null {
  const { view } = resync;
  if (!equalBytes(resync.keys.sig, connection.peerSigningKey)) return 'its agreement keys name another signing key than the connection';
  if (view.lastSentSeq > SEQ_CEILING || view.lastReceivedSeq > SEQ_CEILING) return 'a seq no conversation reaches';
  if (view.lastReceivedSeq > connection.lastSentSeq + MAX_RESTORED_BEHIND) return `it received ${view.lastReceivedSeq - connection.lastSentSeq} more envelopes than this side has sent`;
  return null;
}

function answerOffer(ctx: StepContext, connection: AgreedConnection, offer: Extract<Resync, { kind: 'offer' }>, offerHash: Uint8Array): AgreedConnection {
  const { crypto } = ctx;
  const last = connection.lastAnswer;
  // The offer this side answered, again, before anything of the peer opened under the answer's ratchet (which
  // clears lastAnswer): the answer did not reach it. It is answered afresh, at most once a minute (a relay can
  // replay it): a new ratchet from the same offer keys, so the first message and what follows start the chain.
  const again = last != null && equalBytes(last.offerHash, offerHash);
  if (again) {
    if (ctx.now - last.sentAt < OFFER_AGAIN_MS) return connection;
  } else {
    // A copy through another relay, or a replay: every offer accepted has a later timestamp than the one before.
    if (offer.timestamp <= (connection.peerResyncTimestamp ?? -1)) return connection;
    const own = connection.resyncOffer;
    // Both sides offered at once: a rekey is answered before a plain resync (which it does the work of), else the
    // offer with the lower hash; the other is dropped (the peer decides the same way).
    if (own != null && ownOfferWins(own, offer.rekey === true, offerHash)) return connection;
  }
  const join = joinAgreement(crypto, offer.keys, { sig: { publicKey: connection.signingPublicKey, secretKey: connection.signingSecretKey } });
  const root = resyncRootKey(crypto, resyncKeyOf(connection), join.sharedKey);
  crypto.wipe(join.sharedKey);
  const view = viewOf(ctx, connection);
  const rekey = offer.rekey === true;
  let next: AgreedConnection = {
    ...connection,
    // Answering again, the ratchet to keep (and its AD) is still the one the peer seals under until it has an answer.
    ...(again ? { ...(rekey ? { associatedData: join.associatedData } : {}) } : adAfter(connection, rekey ? join.associatedData : null)),
    ratchet: encodeRatchetState(initSender(crypto, root, offer.keys.dh)),
    previousRatchet: again ? (connection.previousRatchet ?? null) : connection.ratchet,
    resyncedAt: ctx.now,
    resyncOffer: null,
    peerResyncTimestamp: offer.timestamp,
  };
  crypto.wipe(root);
  dropSealedOutbox(ctx, next);
  const adopted = adoptPeerView(ctx, next, offer.view);
  next = adopted.connection;
  // The first message of the new ratchet rides in the answer, so the peer can send as soon as it has it.
  const hello = sealEnvelope(crypto, next, { type: 'hello' }, ctx.now);
  next = hello.connection;
  storeSentHandshake(ctx, next.id, hello.envelope.seq, hello.signed, hello.hash);
  const answer: Resync = {
    kind: 'answer',
    timestamp: ctx.now,
    restored: adopted.missing >= 0 && !rekey,
    ...(rekey ? { rekey } : {}),
    view,
    offerHash,
    keys: join.confirmation,
    header: hello.header,
    ciphertext: hello.ciphertext,
  };
  const body = sealResync(crypto, next.signingSecretKey, signingAD(next), answer, chatVersionOf(next));
  enqueueBody(ctx.store, next, { body, messageId: null, seq: 0, hash: crypto.sha256(body) });
  next = resend(ctx, { ...next, lastAnswer: { offerHash, sentAt: ctx.now } }, adopted.resend);
  if (!again) tell(ctx, next.id, adopted.missing, peerRestored(ctx, connection, offer));
  if (!again && rekey) tellRekeyed(ctx, next.id, 'contact');
  return next;
}

function completeOffer(ctx: StepContext, connection: AgreedConnection, answer: Extract<Resync, { kind: 'answer' }>, acceptEnvelope: AcceptEnvelope): AgreedConnection {
  const { crypto } = ctx;
  const own = connection.resyncOffer;
  // An answer to no offer of ours, or to an older one: a copy through another relay, or a replay.
  if (own == null || !equalBytes(own.hash, answer.offerHash)) return connection;
  const sig = { publicKey: connection.signingPublicKey, secretKey: connection.signingSecretKey };
  const agreement = acceptAgreement(crypto, { dh: own.secrets.dh, kem: own.secrets.kem, sig }, answer.keys);
  const root = resyncRootKey(crypto, resyncKeyOf(connection), agreement.sharedKey);
  crypto.wipe(agreement.sharedKey);
  const rekeyAD = own.rekey === true ? agreement.associatedData : null;
  const fresh = { ratchet: encodeRatchetState(initReceiver(crypto, root, own.secrets.dh)), associatedData: rekeyAD ?? connection.associatedData };
  crypto.wipe(root);
  let opened;
  try {
    decodeHeader(answer.header);
    opened = decryptEnvelope(crypto, fresh, answer.header, answer.ciphertext);
  } catch (error) {
    // Signed by the peer, so not a relay's doing; the offer stays, and a later answer can still complete it.
    ctx.events.push({ event: 'rejected', contact: connection.id, reason: `resync answer unreadable: ${(error as Error).message}` });
    return connection;
  }
  let next: AgreedConnection = {
    ...connection,
    ...adAfter(connection, rekeyAD),
    ratchet: opened.connection.ratchet,
    previousRatchet: connection.ratchet,
    resyncedAt: ctx.now,
    resyncOffer: null,
    peerResyncTimestamp: answer.timestamp,
  };
  dropSealedOutbox(ctx, next);
  const adopted = adoptPeerView(ctx, next, answer.view);
  next = resend(ctx, adopted.connection, adopted.resend);
  tell(ctx, next.id, adopted.missing, peerRestored(ctx, connection, answer));
  if (rekeyAD !== null) tellRekeyed(ctx, next.id, 'this');
  return acceptEnvelope(ctx, next, opened.signed);
}

/**
 * Compares the peer's view with what this side sent. If the peer holds, at
 * some seq, an envelope this side does not have (or another than this side
 * has), this side's state was restored: its envelopes from that seq on are
 * taken out of the chain (what the user wrote goes back to the queue, to be
 * sealed again after the peer's last), and it continues from the peer's
 * last. Otherwise what the peer has not received is sent again.
 * `missing` is -1 when nothing was restored, else how many of this side's
 * envelopes only the peer holds.
 */
function adoptPeerView(ctx: StepContext, connection: AgreedConnection, peer: ResyncView): { connection: AgreedConnection; resend: number[]; missing: number } {
  const { store } = ctx;
  const first = peer.lastReceivedSeq - peer.receivedHashes.length + 1;
  let fork: number | null = null;
  for (let i = 0; i < peer.receivedHashes.length && fork === null; i++) {
    const seq = first + i;
    const stated = peer.receivedHashes[i]!;
    if (seq > connection.lastSentSeq) {
      // Every seq from the one after this side's last is an envelope the peer holds and this side does not.
      fork = Math.min(seq, connection.lastSentSeq + 1);
      break;
    }
    // Every sent envelope is stored; one that is not (or is unsigned, so not stated) cannot show a fork.
    const mine = store.findMessageBySeq(connection.id, 'sent', seq);
    if (mine?.hash != null && !equalBytes(stated, ZERO_HASH) && !equalBytes(mine.hash, stated)) fork = seq;
  }
  if (fork === null) return { connection, resend: seqsAfter(peer.lastReceivedSeq, connection.lastSentSeq), missing: -1 };
  for (let seq = fork; seq <= connection.lastSentSeq; seq++) {
    const mine = store.findMessageBySeq(connection.id, 'sent', seq);
    if (mine === null) continue;
    // Seq 0 takes a record out of the chain: a text or profile is queued again (listUnencrypted), anything else retired.
    const rewrite = mine.kind === 'text' || mine.kind === 'profile';
    store.putMessage({ ...mine, seq: 0, envelope: null, hash: null, status: rewrite ? 'queued' : mine.status });
  }
  peer.receivedHashes.forEach((hash, i) => {
    if (first + i < fork || equalBytes(hash, ZERO_HASH)) return;
    store.putMessage({ id: ctx.newId(), connectionId: connection.id, direction: 'sent', kind: 'lost', seq: first + i, text: '', timestamp: ctx.now, localTime: ctx.now, status: 'sent', envelope: null, hash });
  });
  const lastHash = peer.receivedHashes[peer.receivedHashes.length - 1] ?? ZERO_HASH;
  return {
    connection: { ...connection, lastSentSeq: peer.lastReceivedSeq, lastSentHash: lastHash, lastSentUnsigned: false },
    resend: [],
    // Past the fork the two chains differ at every seq: each envelope the peer holds from there is one this side lost.
    missing: Math.max(0, peer.lastReceivedSeq - fork + 1),
  };
}

/** The connection's resync key; a record from before resyncs has none and uses zeros (no such connection was ever released). */
function resyncKeyOf(connection: AgreedConnection): Uint8Array {
  return connection.resyncKey ?? new Uint8Array(32);
}

/** Encrypts the stored envelopes at `seqs` again under the new ratchet and queues them. */
function resend(ctx: StepContext, connection: AgreedConnection, seqs: readonly number[]): AgreedConnection {
  let current = connection;
  for (const seq of seqs) {
    const sent = ctx.store.findMessageBySeq(connection.id, 'sent', seq);
    if (sent === null || sent.envelope === null || sent.hash === null) continue;
    const sealed = resealEnvelope(ctx.crypto, current, sent.envelope);
    current = sealed.connection;
    const body = encodeQueueBody({ type: 'message', header: sealed.header, ciphertext: sealed.ciphertext }, chatVersionOf(current));
    enqueueBody(ctx.store, current, { body, messageId: sent.kind === 'text' ? sent.id : null, seq, hash: sent.hash });
  }
  return current;
}

/** Outbox items sealed under the ratchet being replaced: the peer can no longer open them; what it lacks is sent again. */
function dropSealedOutbox(ctx: StepContext, connection: AgreedConnection): void {
  for (const item of ctx.store.listOutbox()) {
    if (item.connectionId === connection.id && item.seq > 0) ctx.store.deleteOutbox(item.id);
  }
}

/**
 * Whether the peer's state was restored: it says so, or its view holds
 * less than this side received from it, or another envelope at its last seq.
 */
function peerRestored(ctx: StepContext, connection: AgreedConnection, peer: Resync): boolean {
  const { lastSentSeq, lastSentHash } = peer.view;
  if (peer.restored) return true;
  // A lower lastSentSeq alone proves nothing (an offer sent again carries the view of when it was made).
  if (lastSentSeq > connection.lastReceivedSeq || equalBytes(lastSentHash, ZERO_HASH)) return false;
  const received = ctx.store.findMessageBySeq(connection.id, 'received', lastSentSeq);
  return received?.hash != null && !equalBytes(received.hash, lastSentHash);
}

/** Puts a line from graphchat itself into the conversation's history. */
function notice(ctx: StepContext, contact: string, text: string): void {
  ctx.store.putMessage({ id: ctx.newId(), connectionId: contact, direction: 'received', kind: 'notice', seq: 0, text, timestamp: ctx.now, localTime: ctx.now, status: 'received', envelope: null, hash: null });
}

/** Tells the user that a rekey (asked for on this device or by the contact) changed the security code. */
function tellRekeyed(ctx: StepContext, contact: string, by: 'this' | 'contact'): void {
  ctx.events.push({ event: 'rekeyed', contact, by });
  notice(ctx, contact, rekeyedNotice(by));
}

/** What the user is told after a rekey (the same words in every client). */
export function rekeyedNotice(by: 'this' | 'contact'): string {
  const who = by === 'this' ? 'You asked for new keys' : 'The contact asked for new keys';
  return `${who}: this conversation now runs under a fresh agreement, and the security code changed. The contact is no longer verified until you compare the code again (in person by QR code, or the digits).`;
}

/** Tells the user, by an event and by a notice kept in the conversation's history. */
function tell(ctx: StepContext, contact: string, missing: number, peerRestored: boolean): void {
  if (missing >= 0) {
    ctx.events.push({ event: 'restored', contact, device: 'this', missing });
    notice(ctx, contact, restoredNotice('this', missing));
  }
  if (peerRestored) {
    ctx.events.push({ event: 'restored', contact, device: 'contact', missing: 0 });
    notice(ctx, contact, restoredNotice('contact', 0));
  }
}

/** What the user is told about a restored state (the same words in every client). */
export function restoredNotice(device: 'this' | 'contact', missing: number): string {
  if (device === 'contact') return "The contact's device went back to an older copy of its data. The conversation continues under new keys; nothing is missing here.";
  const lost = missing === 0 ? '' : ` ${missing} message${missing === 1 ? '' : 's'} this device had sent from it (texts or receipts) are only on the contact's device.`;
  return `This device went back to an older copy of its data (a backup, snapshot or copied folder).${lost} The conversation continues under new keys, and what the contact had sent since was sent again.`;
}

/** Which of two offers made at once is answered (answerOffer): the same answer on both sides. */
function ownOfferWins(own: { readonly hash: Uint8Array; readonly rekey?: boolean }, peerRekey: boolean, peerHash: Uint8Array): boolean {
  const ownRekey = own.rekey === true;
  if (ownRekey !== peerRekey) return ownRekey;
  return compareBytes(own.hash, peerHash) < 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
