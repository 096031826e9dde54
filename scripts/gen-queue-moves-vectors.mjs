// Generates docs/protocol/vectors/queue-moves.json (graph-chat §8.6) from the
// compiled core: build it first (npx tsc -b packages/core), then
//   node scripts/gen-queue-moves-vectors.mjs > docs/protocol/vectors/queue-moves.json
const D = new URL('../packages/core/dist/', import.meta.url).href;
const { fromHex, toHex, concatBytes } = await import(D + 'bytes.js');
const { sodiumCrypto: c } = await import(D + 'crypto/sodium.js');
const { createInvitationKeys, joinAgreement } = await import(D + 'agreement/agreement.js');
const { encodeContent } = await import(D + 'chat/content.js');
const { signEnvelope, envelopeHash, padPlaintext, ZERO_HASH, encodeUnsignedEnvelope } = await import(D + 'chat/envelope.js');
const { encodeQueueBody } = await import(D + 'chat/queue-body.js');
const { ratchetEncrypt } = await import(D + 'ratchet/ratchet.js');
const { initSender } = await import(D + 'ratchet/state.js');
const { sealResync } = await import(D + 'chat/resync.js');
const { securityCode } = await import(D + 'chat/security-code.js');
const { toBase64url } = await import(D + 'bytes.js');

const rep = (b, n) => toHex(new Uint8Array(n).fill(b));
const fp = (b) => toBase64url(new Uint8Array(32).fill(b));
const relayC = `emp://${fp(0x0c)}@c.relay.example`;
const relayD = `emp://${fp(0x0d)}@relay.example.org:8443?tls=1`;
const inputs = {
  r_sig_seed: rep(0xa1, 32), s_sig_seed: rep(0xb2, 32),
  sender_key_seeds: [rep(0xc1, 32), rep(0xc2, 32)],
};
const rSig = c.ed25519KeyPairFromSeed(fromHex(inputs.r_sig_seed));
const sSig = c.ed25519KeyPairFromSeed(fromHex(inputs.s_sig_seed));
const senderKeys = inputs.sender_key_seeds.map((s) => toHex(c.ed25519KeyPairFromSeed(fromHex(s)).publicKey));
const newIds = [rep(0x31, 24), rep(0x32, 24)];
const oldIds = [rep(0x21, 24), rep(0x22, 24)];
const jsonContents = {
  add: { type: 'queues-add', queues: [{ relay: relayC, sender_id: newIds[0] }, { relay: relayD, sender_id: newIds[1] }] },
  keys: { type: 'queues-keys', add_hash: '', sender_keys: senderKeys }, // add_hash: the queues-add envelope's hash, below
  use: { type: 'queues-use', use: newIds, retire: oldIds },
  useNoRetire: { type: 'queues-use', use: [newIds[0]], retire: [] },
  test: { type: 'queues-test' },
};
function content(j) {
  switch (j.type) {
    case 'queues-add': return { type: j.type, queues: j.queues.map((q) => ({ relay: q.relay, senderId: fromHex(q.sender_id) })) };
    case 'queues-keys': return { type: j.type, addHash: fromHex(j.add_hash), senderKeys: j.sender_keys.map(fromHex) };
    case 'queues-use': return { type: j.type, use: j.use.map(fromHex), retire: j.retire.map(fromHex) };
    default: return { type: j.type };
  }
}
// A move of R's receive queues (S sends to them), as signed envelopes of an established connection.
const t0 = 1767312000000;
const steps = [
  ['r', jsonContents.add, 'R seq 12: queues-add, step 1'],
  ['s', jsonContents.keys, 'S seq 30: queues-keys, step 2, naming the queues-add (envelope 0) by its hash'],
  ['r', jsonContents.use, 'R seq 13: queues-use, step 4 (after KEY on both new queues)'],
  ['s', jsonContents.test, 'S seq 31: queues-test, step 5, through the new queues only'],
];
const seq = { r: 12, s: 30 };
const lastSent = { r: rep(0xe1, 32), s: rep(0xe2, 32) };
const lastReceived = { r: lastSent.s, s: lastSent.r };
const sig = { r: rSig, s: sSig };
const envelopes = steps.map(([sender, j, comment], i) => {
  const env = { seq: seq[sender]++, timestamp: t0 + 1000 * i, prevSentHash: fromHex(lastSent[sender]), lastReceivedHash: fromHex(lastReceived[sender]), content: content(j) };
  const signed = signEnvelope(c, sig[sender].secretKey, env);
  const hash = toHex(envelopeHash(c, signed));
  const out = { comment, sender, seq: env.seq, timestamp: env.timestamp, prev_sent_hash: lastSent[sender], last_received_hash: lastReceived[sender], content: j, signed: toHex(signed), hash, padded_length: padPlaintext(signed).length };
  lastSent[sender] = hash;
  lastReceived[sender === 'r' ? 's' : 'r'] = hash;
  // S's queues-keys names the queues-add it answers: R's envelope just signed.
  if (j.type === 'queues-add') jsonContents.keys.add_hash = hash;
  return out;
});
const contents = [
  ['queues-add: two new receive queues, on two relays', jsonContents.add],
  ['queues-keys: the hash of the queues-add envelope it answers (envelope 0), then one sender key per queue of it, same order', jsonContents.keys],
  ['queues-use: send through the two new queues, retire the two in use so far', jsonContents.use],
  ['queues-use with an empty retire list: one more queue, none retired', jsonContents.useNoRetire],
  ['queues-test: empty', jsonContents.test],
].map(([comment, j]) => ({ comment, content: j, encoded: toHex(encodeContent(content(j))) }));

// Off the record: the same queues-use unsigned (§4.7).
const unsignedEnv = { seq: 13, timestamp: t0 + 2000, prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content: content(jsonContents.useNoRetire) };
const unsigned = { comment: 'R seq 13 off the record: a queues-use, unsigned (§4.7), hashes zero', seq: 13, timestamp: unsignedEnv.timestamp, content: jsonContents.useNoRetire, encoded: toHex(encodeUnsignedEnvelope(unsignedEnv)) };

// A version 3 message body: S's queues-test (envelope 3) in the first message of a sending chain.
const mb = { root_key: rep(0x5a, 32), receiver_dh_secret: rep(0x6b, 32), ratchet_secret: rep(0x7c, 32), nonce: rep(0x8d, 24), associated_data: toHex(concatBytes(fromHex('0004'), new Uint8Array(4).fill(0x9e))) };
const x = (h) => { const secretKey = fromHex(h); return { secretKey, publicKey: c.x25519PublicKey(secretKey) }; };
const sent = ratchetEncrypt({ ...c, randomBytes: () => fromHex(mb.nonce) }, initSender(c, fromHex(mb.root_key), x(mb.receiver_dh_secret).publicKey, () => x(mb.ratchet_secret)), padPlaintext(fromHex(envelopes[3].signed)), fromHex(mb.associated_data));
const messageBody = { comment: 'a version 3 message body (§3) carrying envelope 3 (queues-test), the first message of a sending chain: initSender(root_key, receiver DH public, ratchet key) and the recorded nonce, under associated_data', ...mb, envelope: 3, body: toHex(encodeQueueBody({ type: 'message', header: sent.header, ciphertext: sent.ciphertext }, 3)) };

// Rekey (§8.6): an offer with reason 2; the offer keys carry the offerer's connection signing key.
const rk = { handshake_associated_data: rep(0x4d, 40), offer_sig_seed: inputs.r_sig_seed, answer_sig_seed: inputs.s_sig_seed, dh_secret: rep(0x13, 32), kem_seed: rep(0x14, 64), timestamp: t0 + 60000,
  view: { last_sent_seq: 13, last_sent_hash: envelopes[2].hash, last_received_seq: 31, received_hashes: Array.from({ length: 14 }, (_, i) => rep(0xf0 + i, 32)).concat([envelopes[1].hash, envelopes[3].hash]) } };
const offerKeys = createInvitationKeys(c, { dh: x(rk.dh_secret), kemSeed: fromHex(rk.kem_seed), sig: rSig });
const view = { lastSentSeq: rk.view.last_sent_seq, lastSentHash: fromHex(rk.view.last_sent_hash), lastReceivedSeq: rk.view.last_received_seq, receivedHashes: rk.view.received_hashes.map(fromHex) };
const offerBody = sealResync(c, rSig.secretKey, fromHex(rk.handshake_associated_data), { kind: 'offer', timestamp: rk.timestamp, restored: false, rekey: true, view, keys: offerKeys.publicKeys }, 3);
const ans = { dh_secret: rep(0x15, 32), ephemeral_secret: rep(0x16, 32), kem_randomness: rep(0x17, 32) };
const joined = joinAgreement(c, offerKeys.publicKeys, { dh: x(ans.dh_secret), ephemeral: x(ans.ephemeral_secret), sig: sSig, kemRandomness: fromHex(ans.kem_randomness) });
// reason 3: the same offer with its reason byte changed, signed again.
const signedPart = offerBody.subarray(66).slice(); signedPart[9] = 3;
const reason3 = concatBytes(offerBody.subarray(0, 2), c.ed25519Sign(rSig.secretKey, concatBytes(new TextEncoder().encode('graphchat resync v2'), fromHex(rk.handshake_associated_data), signedPart)), signedPart);
const rekey = {
  comment: 'graph-chat §8.6 rekey: a resync offer (§8.7) with reason 2 in a version 3 body, signed by R under the handshake AD, its invitation keys carrying R\'s connection signing key; then the answer\'s agreement against it (S\'s connection signing key) and the AD and security code it gives',
  ...rk, offer_body: toHex(offerBody), offer_hash: toHex(c.sha256(offerBody)),
  answer: { ...ans, shared_key: toHex(joined.sharedKey), associated_data: toHex(joined.associatedData), security_code: securityCode(c, joined.associatedData) },
  handshake_security_code: securityCode(c, fromHex(rk.handshake_associated_data)),
  reason_3_body: toHex(reason3),
};
const malformed = [
  ['queues-add with 0 queues', '0a00'],
  ['queues-add with 9 queues', toHex(concatBytes(Uint8Array.of(10, 9), ...Array(9).fill(fromHex(contents[0].encoded).subarray(2, 2 + 1 + relayC.length + 24))))],
  ['queues-keys with 0 keys', '0b' + jsonContents.keys.add_hash + '00'],
  ['queues-keys with 9 keys', '0b' + jsonContents.keys.add_hash + '09' + senderKeys[0].repeat(9)],
  ['queues-keys with a key of 31 bytes', '0b' + jsonContents.keys.add_hash + '01' + senderKeys[0].slice(0, 62)],
  ['queues-keys with a hash of 31 bytes and no keys', '0b' + jsonContents.keys.add_hash.slice(0, 62)],
  ['queues-keys without its hash: count and keys only', '0b01' + senderKeys[0]],
  ['queues-use with 0 queues to use', '0c0000'],
  ['queues-use with 9 queues to use', '0c09' + newIds[0].repeat(9) + '00'],
  ['queues-use with 9 queues to retire', '0c01' + newIds[0] + '09' + oldIds[0].repeat(9)],
  ['queues-use with a sender id of 23 bytes', '0c01' + newIds[0].slice(0, 46) + '00'],
  ['queues-use with a trailing byte', contents[3].encoded + '00'],
  ['queues-test with a trailing byte', '0d00'],
  ['queues-add with a trailing byte', contents[0].encoded + '00'],
].map(([comment, bytes]) => ({ comment, bytes }));
const out = {
  comment: 'graph-chat §8.6 (version 3) queue moves, generated from the implementation by scripts/gen-queue-moves-vectors.mjs and checked by packages/core/src/chat/queue-moves-vectors.test.ts with every crypto backend (which rebuilds every recorded value from the inputs beside it). contents: each content item (§4.3) and its encoding. envelopes: signed envelopes (§4.1) of one move of R\'s receive queues, R signing with r_sig_seed\'s Ed25519 key, S with s_sig_seed\'s; each hash chains to the one before (§4.5) from arbitrary earlier hashes; S\'s queues-keys names R\'s queues-add by that envelope\'s hash. unsigned: a queues-use off the record. message_body: a version 3 message body. rekey: a rekey offer and the new agreement. malformed_contents: content bytes that MUST be DecodeError. Byte strings in hex.',
  inputs, r_sig_public: toHex(rSig.publicKey), s_sig_public: toHex(sSig.publicKey),
  contents, envelopes, unsigned, message_body: messageBody, rekey, malformed_contents: malformed,
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
