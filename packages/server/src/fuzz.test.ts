import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Command,
  createQueue,
  decodeBlock,
  decodeResponse,
  decodeTransmission,
  encodeBlock,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  fromUtf8,
  limits,
  openMessage,
  type RecipientQueue,
  type RelayClient,
  sendMessage,
  signatureInput,
  subscribeQueue,
  utf8,
} from '@graphchat/core';
import { closeCodeOf, connect, crypto, openSocket, PushInbox, RawSession, startTestRelay } from './test-support/harness.js';
import type { RunningRelay } from './server.js';
import { WS_CLOSE } from './ws-transport.js';

/** A deterministic generator, so a failure can be reproduced from the seed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const FRAMES = 10_000;
const WINDOW = 32;

describe('malformed input never hurts the relay', () => {
  let relay: RunningRelay;
  let honest: RelayClient;
  let inbox: PushInbox;
  let queue: RecipientQueue;

  before(async () => {
    relay = await startTestRelay();
    honest = await connect(relay.address);
    inbox = new PushInbox(honest);
    queue = await createQueue(honest, crypto);
    await subscribeQueue(honest, queue);
  });
  after(async () => {
    honest.close();
    await relay.close();
  });

  const honestClientStillWorks = async (text: string) => {
    const sender = await connect(relay.address);
    await sendMessage(sender, queue.senderId, null, utf8(text));
    const push = await inbox.next();
    assert.ok(push.response.type === 'MSG');
    assert.equal(fromUtf8(openMessage(crypto, queue, push.response.msgId, push.response.encryptedBody).body), text);
    await honest.command(queue.recipientId, { type: 'ACK', msgId: push.response.msgId }, queue.recipientKey.secretKey);
    sender.close();
  };

  it(`answers ${FRAMES} randomly mutated blocks with errors and keeps serving`, async () => {
    const random = rng(20261125);
    const raw = await RawSession.open(relay.address);
    const key = crypto.ed25519KeyPair();
    const dh = crypto.x25519KeyPair();
    const commands: Command[] = [
      { type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: dh.publicKey, password: '' },
      { type: 'SUB' },
      { type: 'KEY', senderAuthKey: key.publicKey },
      { type: 'SEND', body: utf8('hello') },
      { type: 'ACK', msgId: new Uint8Array(24) },
      { type: 'GET' },
      { type: 'OFF' },
      { type: 'DEL' },
      // Version 2's forwarding commands (PRXY is left out: a mutated address would make the relay connect anywhere).
      { type: 'PFWD', ephemeralKey: dh.publicKey, sealed: crypto.randomBytes(48) },
      { type: 'RFWD', ephemeralKey: dh.publicKey, sealed: crypto.randomBytes(48) },
    ];
    const valid = commands.map((command) => {
      const entity = command.type === 'NEW' || command.type === 'RFWD' ? new Uint8Array(0) : command.type === 'SEND' ? queue.senderId : queue.recipientId;
      const signed = encodeSigned(utf8('c'), entity, encodeCommand(command));
      return encodeTransmission(crypto.ed25519Sign(key.secretKey, signatureInput(raw.session.id, signed)), signed);
    });
    const mutate = (): Uint8Array => {
      const count = 1 + Math.floor(random() * 3);
      const block = encodeBlock(Array.from({ length: count }, () => valid[Math.floor(random() * valid.length)]!));
      const used = 1 + count * 140;
      const kind = random();
      if (kind < 0.6) {
        for (let i = 1 + Math.floor(random() * 8); i > 0; i--) block[Math.floor(random() * used)] = Math.floor(random() * 256);
      } else if (kind < 0.8) {
        block[1 + Math.floor(random() * 2)] = Math.floor(random() * 256); // a length prefix
      } else if (kind < 0.9) {
        block[used + Math.floor(random() * 1000)] = 1 + Math.floor(random() * 255); // padding
      } else {
        for (let i = 0; i < used; i++) block[i] = Math.floor(random() * 256);
      }
      return block;
    };

    const codes = new Map<string, number>();
    for (let sent = 0; sent < FRAMES; ) {
      const batch = Math.min(WINDOW, FRAMES - sent);
      for (let i = 0; i < batch; i++) raw.sendBlock(mutate());
      sent += batch;
      await raw.waitFor(sent);
      assert.equal(raw.closeCode, null, 'the relay must not drop a session over malformed plaintext');
      if (sent % 2000 < WINDOW) await honestClientStillWorks(`during mutated blocks, after ${sent}`);
    }
    assert.equal(raw.received.length, FRAMES, 'one answer per block');
    for (const frame of raw.received) {
      for (const t of decodeBlock(frame)) {
        const response = decodeResponse(decodeTransmission(t).message);
        const label = response.type === 'ERR' ? response.code : response.type;
        codes.set(label, (codes.get(label) ?? 0) + 1);
      }
    }
    // Each kind of damage meets its own typed error; nothing fails internally.
    assert.equal(codes.get('INTERNAL'), undefined);
    for (const code of ['BLOCK', 'SYNTAX', 'AUTH']) assert.ok((codes.get(code) ?? 0) > 100, `${code}: ${JSON.stringify([...codes])}`);
    raw.ws.close();
    await honestClientStillWorks('after mutated blocks');
  });

  it('closes sessions whose frames are forged, resized or not binary, and stays up', async () => {
    const random = rng(7);
    const cases: { name: string; expected: number; act: (raw: RawSession) => void }[] = [
      { name: 'flipped ciphertext bit', expected: WS_CLOSE.DECRYPT, act: (raw) => {
        const frame = raw.session.seal(encodeBlock([valid()]));
        frame[Math.floor(random() * frame.length)]! ^= 1 << Math.floor(random() * 8);
        raw.ws.send(frame);
      } },
      { name: 'short frame', expected: WS_CLOSE.DECRYPT, act: (raw) => raw.ws.send(crypto.randomBytes(1 + Math.floor(random() * 16000))) },
      { name: 'random frame of the right size', expected: WS_CLOSE.DECRYPT, act: (raw) => raw.ws.send(crypto.randomBytes(limits.BLOCK_SIZE)) },
      { name: 'replayed frame', expected: WS_CLOSE.DECRYPT, act: (raw) => {
        const frame = raw.session.seal(encodeBlock([valid()]));
        raw.ws.send(frame);
        raw.ws.send(frame);
      } },
      { name: 'text frame', expected: WS_CLOSE.BAD_FRAME, act: (raw) => raw.ws.send('NEW') },
      { name: 'oversize frame', expected: 1009, act: (raw) => raw.ws.send(new Uint8Array(limits.BLOCK_SIZE + 1)) },
    ];
    for (let round = 0; round < 20; round++) {
      for (const c of cases) {
        const raw = await RawSession.open(relay.address);
        const closed = closeCodeOf(raw.ws);
        c.act(raw);
        assert.equal(await closed, c.expected, c.name);
      }
    }
    await honestClientStillWorks('after forged frames');
  });

  it('rejects malformed handshakes', async () => {
    for (let i = 0; i < 200; i++) {
      const ws = await openSocket(`ws://127.0.0.1:${relay.port}/`);
      const closed = closeCodeOf(ws);
      const length = [0, 1, 31, 32, 35, 37, 200][i % 7]!;
      // Every third: a well-formed message 1 with an all-zero (low-order) ephemeral key.
      ws.send(i % 3 === 0 ? new Uint8Array([...new Uint8Array(32), 0, 1, 0, 1]) : crypto.randomBytes(length));
      assert.equal(await closed, WS_CLOSE.HANDSHAKE, `handshake of ${length} bytes`);
    }
    await honestClientStillWorks('after bad handshakes');
  });
});

function valid(): Uint8Array {
  return encodeTransmission(new Uint8Array(0), encodeSigned(new Uint8Array(0), new Uint8Array(0), encodeCommand({ type: 'PING' })));
}
