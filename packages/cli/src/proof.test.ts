// `proof export` and `proof verify` as processes: Alice and Bob talk through
// two real relays, Alice exports the conversation, and a process that never
// saw it (no state directory, no passphrase, an empty home) checks the
// bundle, then a dozen tampered copies of it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromBase64url, fromHex, openEnvelope, signEnvelope, toBase64url, type ProofBundle } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { killSpawnedRelays, spawnRelay } from 'graphchat-server/test-support';
import { databasePath } from './session.js';
import { openSqliteStore } from './store/sqlite-store.js';
import { cliProcess, graphchat, GRAPHCHAT_BIN, type Json } from './test-support/cli-process.js';

const PASSPHRASE = 'proof test passphrase';

/** Offsets in a signed envelope (graph-chat §4.1). */
const TIMESTAMP = 5;
const PREV_SENT_HASH = 13;
const TYPE = 77;
const BODY = 78;
/** A version 4 text (graph-chat §4.3, type 14): messageId:16 || counter:u32 || len:u16 || UTF-8. */
const TEXT_TYPE = 14;
const TEXT = BODY + 16 + 4;

/** A bundle as plain JSON data, to tamper with. */
interface BundleJson {
  type: string;
  version: number;
  associatedData: string;
  signingKeys: { inviter: string; joiner: string };
  securityCode: string;
  envelopes: string[];
  receipts: string[];
}

interface Verified {
  readonly code: number | null;
  readonly lines: Json[];
  readonly stdout: string;
  readonly stderr: string;
}

describe('proof export and verify: two terminal clients, a stranger checks', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphchat-proof-'));
  const alice = join(root, 'alice');
  const bob = join(root, 'bob');
  const run = (dir: string, ...args: string[]): Json[] => graphchat(dir, PASSPHRASE, args);
  /** Alice's exports: the whole conversation, and the range from a2 to b1. */
  let whole: ProofBundle;
  let range: ProofBundle;
  let securityCode: string;
  /** The messages the stranger's `proof verify --json` listed for `whole`. */
  let proven: Json[];

  /** `graphchat proof verify FILE` in a fresh empty directory, HOME another, with no GRAPHCHAT_* variable. */
  function verifyFresh(bundleText: string, json = true): Verified & { home: string; cwd: string } {
    const cwd = mkdtempSync(join(root, 'stranger-'));
    const home = mkdtempSync(join(root, 'home-'));
    writeFileSync(join(cwd, 'proof.json'), bundleText);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GRAPHCHAT_')));
    const result = spawnSync(process.execPath, [GRAPHCHAT_BIN, ...(json ? ['--json'] : []), 'proof', 'verify', 'proof.json'], {
      cwd,
      env: { ...env, HOME: home },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const lines = json ? result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Json) : [];
    return { code: result.status, lines, stdout: result.stdout, stderr: result.stderr, home, cwd };
  }

  /** Syncs both (at once) until every text either has sent is delivered. */
  async function syncUntilDelivered(): Promise<void> {
    for (let round = 0; round < 8; round++) {
      await Promise.all([alice, bob].map((dir) => cliProcess(dir, PASSPHRASE, ['sync', '--idle', '0.5', '--timeout', '10'])));
      const undelivered = [...run(alice, 'history', 'Bob'), ...run(bob, 'history', 'Alice')].filter((m) => m.direction === 'sent' && m.status !== 'delivered');
      if (undelivered.length === 0) return;
    }
    assert.fail('texts not delivered');
  }

  before(async () => {
    const relays = [(await spawnRelay(join(root, 'relay1'))).address, (await spawnRelay(join(root, 'relay2'))).address];
    const servers = relays.flatMap((relay) => ['--server', relay]);
    run(alice, 'init', '--name', 'Alice', ...servers);
    run(bob, 'init', '--name', 'Bob', ...servers);
    run(bob, 'connect', run(alice, 'invite')[0]!.link as string);
    for (const dir of [alice, bob, alice]) run(dir, 'sync', '--idle', '0.5');

    // Bob writes b1 before he has synced Alice's a1 and a2: stored before them, sealed after.
    run(alice, 'send', 'Bob', 'a1');
    run(alice, 'send', 'Bob', 'a2');
    run(alice, 'sync', '--idle', '0.5');
    run(bob, 'send', 'Alice', 'b1');
    await syncUntilDelivered();
    run(bob, 'send', 'Alice', 'b2 with\na second line');
    run(alice, 'send', 'Bob', 'a3');
    await syncUntilDelivered();
    securityCode = run(alice, 'code', 'Bob')[0]!.code as string;
  });
  after(() => {
    killSpawnedRelays();
    rmSync(root, { recursive: true, force: true });
  });

  it('exports the whole conversation and a range given by history ids', () => {
    const history = run(alice, 'history', 'Bob');
    const id = (text: string): string => history.find((m) => m.text === text)!.message as string;
    const [exported] = run(alice, 'proof', 'export', 'Bob', '--out', join(root, 'whole.json'));
    whole = JSON.parse(readFileSync(join(root, 'whole.json'), 'utf8')) as ProofBundle;
    assert.deepEqual(exported, { proof: join(root, 'whole.json'), envelopes: whole.envelopes.length, receipts: 0 });
    assert.equal(whole.securityCode, securityCode);

    const [part] = run(alice, 'proof', 'export', 'Bob', '--from', id('a2'), '--to', id('b1'), '--out', join(root, 'range.json'));
    range = JSON.parse(readFileSync(join(root, 'range.json'), 'utf8')) as ProofBundle;
    assert.deepEqual(part, { proof: join(root, 'range.json'), envelopes: range.envelopes.length, receipts: range.receipts.length });
    const texts = range.envelopes.map(fromBase64url).filter((e) => e[TYPE] === TEXT_TYPE);
    assert.deepEqual(texts.map((e) => new TextDecoder().decode(e.subarray(TEXT + 2, e.length - 64))).sort(), ['a2', 'b1']);
    assert.ok(range.receipts.length > 0, "Alice's receipt for b1 comes after the range");

    // A bound that is not one of this contact's messages, or a backwards range.
    const bad = graphchat(alice, PASSPHRASE, ['proof', 'export', 'Bob', '--from', 'nope', '--out', join(root, 'x.json')], { expectFailure: true });
    assert.equal(bad[0]!.error, 'BAD_RANGE');
    const backwards = graphchat(alice, PASSPHRASE, ['proof', 'export', 'Bob', '--from', id('a3'), '--to', id('a1'), '--out', join(root, 'x.json')], {
      expectFailure: true,
    });
    assert.equal(backwards[0]!.error, 'BAD_RANGE');
  });

  it('a process that never saw the conversation verifies it: every text, its sender, seq and receipt', () => {
    const result = verifyFresh(JSON.stringify(whole, null, 2));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const verdict = result.lines.at(-1)!;
    assert.deepEqual(verdict, { valid: true, securityCode, signingKeys: whole.signingKeys, failures: [] });
    const messages = result.lines.slice(0, -1);
    proven = messages;
    assert.deepEqual(messages.map((m) => m.position), messages.map((_, i) => i + 1));
    const texts = messages.filter((m) => m.type === 'text');
    const sender = (text: string) => (text.startsWith('a') ? 'inviter' : 'joiner');
    assert.deepEqual(texts.map((m) => m.text).sort(), ['a1', 'a2', 'a3', 'b1', 'b2 with\na second line']);
    for (const m of texts) {
      assert.equal(m.sender, sender(m.text as string), m.text as string);
      assert.equal(m.signingKey, whole.signingKeys[m.sender as 'inviter' | 'joiner']);
      assert.notEqual(m.receipt, null, `${m.text as string} was delivered`);
    }
    // Each side's envelopes from its first after the handshake's confirm or reply (seq 1, never exported): 2, 3, 4 ...
    for (const side of ['inviter', 'joiner']) {
      const seqs = messages.filter((m) => m.sender === side).map((m) => m.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => i + 2), side);
    }
    assert.equal(messages.find((m) => m.type === 'hello')?.sender, 'joiner');
    assert.deepEqual(readdirSync(result.home), [], 'nothing written to HOME');
    assert.deepEqual(readdirSync(result.cwd), ['proof.json']);

    const human = verifyFresh(JSON.stringify(whole), false);
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.split('\n').filter((line) => line !== '');
    assert.deepEqual(lines.slice(0, 3), [
      `security code: ${securityCode}`,
      `inviter signing key: ${whole.signingKeys.inviter}`,
      `joiner signing key: ${whole.signingKeys.joiner}`,
    ]);
    assert.equal(lines.at(-1), 'VALID');
    const b2 = lines.find((line) => line.includes('"b2 with\\na second line"'))!;
    assert.match(b2, /^\d+\. joiner \([\w-]{8}\) seq \d+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(sender's clock\) text "b2 with\\na second line"; receipt: seq \d+ at \d{4}-/);
    assert.equal(lines.length, 3 + messages.length + 1);

    const part = verifyFresh(JSON.stringify(range));
    assert.equal(part.code, 0, part.stderr);
    const partTexts = part.lines.filter((m) => m.type === 'text');
    assert.deepEqual(partTexts.map((m) => [m.text, m.receipt !== null]).sort(), [['a2', true], ['b1', true]]);
  });

  describe('tampered copies are refused, each with its own failure', () => {
    /** Flips one bit of byte `at` (negative: from the end) of a base64url string. */
    const flip = (text: string, at: number): string => {
      const bytes = fromBase64url(text);
      bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
      return toBase64url(bytes);
    };
    /** Index in `whole.envelopes` of the `n`-th text envelope signed by `sender`. */
    const textOf = (sender: 'inviter' | 'joiner', n: number): number =>
      (proven.filter((m) => m.sender === sender && m.type === 'text')[n]!.position as number) - 1;
    const copyOf = (bundle: ProofBundle): BundleJson => JSON.parse(JSON.stringify(bundle)) as BundleJson;
    const copy = (): BundleJson => copyOf(whole);

    /** Runs the stranger's verify on the bundle: exit 1, `expected` among the failures, nothing but it and `others`. */
    function refused(bundle: BundleJson, expected: { code: string; where?: string }, others: readonly string[] = []): { code: string; where: string | null }[] {
      const result = verifyFresh(JSON.stringify(bundle));
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /^graphchat: proof invalid: \d+ failures?\n$/);
      const failures = result.lines.at(-1)!.failures as { code: string; where: string | null }[];
      assert.equal(result.lines.at(-1)!.valid, false);
      assert.ok(
        failures.some((f) => f.code === expected.code && (expected.where === undefined || f.where === expected.where)),
        `${expected.code} ${expected.where ?? ''} not among ${JSON.stringify(failures)}`,
      );
      for (const f of failures) assert.ok([expected.code, ...others].includes(f.code), `unexpected ${f.code} ${f.where ?? ''}`);
      return failures;
    }

    it('a byte of a text, a timestamp, a prevSentHash or the signature: BAD_SIGNATURE there', () => {
      // a1, the inviter's first envelope in the range: dropping it as unverified leaves no gap behind it.
      const at = textOf('inviter', 0);
      assert.ok(fromBase64url(whole.envelopes[at]!)[TEXT + 1]! > 0, 'a non-empty text');
      for (const offset of [TEXT + 2, TIMESTAMP + 7, PREV_SENT_HASH + 5, -1]) {
        const tampered = copy();
        tampered.envelopes[at] = flip(tampered.envelopes[at]!, offset);
        refused(tampered, { code: 'BAD_SIGNATURE', where: `envelopes[${at}]` });
      }
    });

    it('a byte of a receipt from after the range: BAD_SIGNATURE there', () => {
      const tampered = copyOf(range);
      tampered.receipts[0] = flip(tampered.receipts[0]!, BODY + 1);
      refused(tampered, { code: 'BAD_SIGNATURE', where: 'receipts[0]' });
    });

    it('two envelopes of one sender swapped: ORDER', () => {
      const [first, second] = [textOf('inviter', 0), textOf('inviter', 1)];
      const swapped = copy();
      [swapped.envelopes[first], swapped.envelopes[second]] = [swapped.envelopes[second]!, swapped.envelopes[first]!];
      refused(swapped, { code: 'ORDER' });
    });

    it('an envelope in the middle dropped: GAP; one listed twice: DUPLICATE', () => {
      const at = textOf('inviter', 1);
      const dropped = copy();
      dropped.envelopes.splice(at, 1);
      refused(dropped, { code: 'GAP' });
      const doubled = copy();
      doubled.envelopes.splice(at + 1, 0, doubled.envelopes[at]!);
      refused(doubled, { code: 'DUPLICATE', where: `envelopes[${at + 1}]` });
    });

    it('signingKeys.joiner replaced: KEY_MISMATCH; the security code changed: CODE_MISMATCH', () => {
      const keys = copy();
      keys.signingKeys = { ...whole.signingKeys, joiner: whole.signingKeys.inviter };
      refused(keys, { code: 'KEY_MISMATCH' });
      const code = copy();
      code.securityCode = whole.securityCode.replace(/\d/, (d) => String((Number(d) + 1) % 10));
      refused(code, { code: 'CODE_MISMATCH' });
    });

    it("a byte of the inviter's signing key inside associatedData: the code changes and signatures fail", () => {
      // AD = lp(A_dh) || lp(A_kem) || lp(A_sig) || ... with lp = len:u16 || bytes (graph-chat §1.4).
      const ad = fromBase64url(whole.associatedData);
      let offset = 0;
      for (let field = 0; field < 2; field++) offset += 2 + ((ad[offset]! << 8) | ad[offset + 1]!);
      assert.equal((ad[offset]! << 8) | ad[offset + 1]!, 32, 'A_sig is 32 bytes');
      const tampered = copy();
      tampered.associatedData = flip(whole.associatedData, offset + 2 + 10);
      const failures = refused(tampered, { code: 'CODE_MISMATCH' }, ['KEY_MISMATCH', 'BAD_SIGNATURE']);
      assert.ok(failures.some((f) => f.code === 'BAD_SIGNATURE'));
    });

    it("issue 12: Bob signs a question Alice never saw, timed before her real answer to another; the proof never shows her answer as answering it", async () => {
      const EUR = 'Will you transfer me 10,000 EUR?';
      run(bob, 'send', 'Alice', 'Shall we get pizza tonight?');
      await syncUntilDelivered();
      run(alice, 'send', 'Bob', 'Yes!');
      await syncUntilDelivered();
      run(alice, 'proof', 'export', 'Bob', '--out', join(root, 'pizza.json'));
      const honest = JSON.parse(readFileSync(join(root, 'pizza.json'), 'utf8')) as BundleJson;
      const listed = verifyFresh(JSON.stringify(honest)).lines.slice(0, -1);
      const yes = listed.find((m) => m.text === 'Yes!')!;
      const question = listed.find((m) => m.text === 'Shall we get pizza tonight?')!;
      const envelopeAt = (m: Json): string => honest.envelopes[(m.position as number) - 1]!;

      // Bob holds his own signing key: from his store (no process has it open now), he signs the forgery, either
      // in place of his question (its seq, chain and context) or as his next envelope, both timed before "Yes!".
      const store = openSqliteStore(databasePath(bob), PASSPHRASE, { create: false });
      let inPlace: string;
      let next: string;
      try {
        const connection = store.listConnections()[0]!;
        const real = openEnvelope(sodiumCrypto, connection.signingPublicKey, fromBase64url(envelopeAt(question)));
        const forged = { ...real, timestamp: (yes.timestamp as number) - 1000, content: { type: 'text' as const, text: EUR } };
        inPlace = toBase64url(signEnvelope(sodiumCrypto, connection.signingSecretKey, forged));
        next = toBase64url(signEnvelope(sodiumCrypto, connection.signingSecretKey, { ...forged, seq: real.seq + 1, prevSentHash: fromHex(question.hash as string) }));
      } finally {
        store.close();
      }

      // Just the two, as in the issue: VALID, but "Yes!" answers a message not in the proof, and is not shown after the forgery.
      const spliced = { ...honest, envelopes: [inPlace, envelopeAt(yes)], receipts: [] };
      const json = verifyFresh(JSON.stringify(spliced));
      assert.equal(json.code, 0, json.stderr);
      assert.equal(json.lines.at(-1)!.valid, true);
      assert.deepEqual(
        json.lines.slice(0, -1).map((m) => [m.text, m.context, m.answers, m.unprovenAfter]),
        [
          [EUR, 'outside', null, null],
          ['Yes!', 'outside', null, 1],
        ],
      );
      const human = verifyFresh(JSON.stringify(spliced), false).stdout.split('\n');
      assert.ok(human.some((line) => /^2\. inviter .* text "Yes!"; .*\(answers a message not in this proof, not message 1\)$/.test(line)), human.join('\n'));
      assert.ok(human.includes('VALID'));

      // Keeping his real question and signing the forgery after it: "Yes!" answers the question, not the forgery.
      const kept = verifyFresh(JSON.stringify({ ...honest, envelopes: [envelopeAt(question), next, envelopeAt(yes)], receipts: [] }));
      assert.equal(kept.code, 0, kept.stderr);
      assert.deepEqual(
        kept.lines.slice(0, -1).map((m) => [m.text, m.answers, m.unprovenAfter]),
        [
          ['Shall we get pizza tonight?', null, null],
          [EUR, null, null],
          ['Yes!', 1, 2],
        ],
      );
      const keptHuman = verifyFresh(JSON.stringify({ ...honest, envelopes: [envelopeAt(question), next, envelopeAt(yes)], receipts: [] }), false).stdout;
      assert.match(keptHuman, /^3\. inviter .* text "Yes!"; .*\(answers message 1, not message 2\)$/m);

      // With Alice's receipt for the real question, or in place of it in the whole conversation: refused.
      const receipt = listed.find((m) => m.sender === 'inviter' && m.seq === (question.receipt as { seq: number }).seq)!;
      refused({ ...honest, envelopes: [inPlace, envelopeAt(yes)], receipts: [envelopeAt(receipt)] }, { code: 'RECEIPT_MISMATCH', where: 'receipts[0]' });
      const whole = copyOf(honest as unknown as ProofBundle);
      whole.envelopes[(question.position as number) - 1] = inPlace;
      refused(whole, { code: 'RECEIPT_MISMATCH' }, ['GAP', 'CHAIN_BROKEN']);
    });

    it('a truncated file: BAD_PROOF_FILE', () => {
      const text = JSON.stringify(whole, null, 2);
      const result = verifyFresh(text.slice(0, text.length / 2));
      assert.equal(result.code, 1);
      assert.equal(result.lines[0]!.error, 'BAD_PROOF_FILE');
      assert.match(result.stderr, /^graphchat: proof\.json is not JSON/);
    });
  });
  it('off the record from the terminal: invite --otr, the mode shown, otr on/accept, and proof export refused', async () => {
    const carol = join(root, 'carol');
    const dave = join(root, 'dave');
    const relay = run(alice, 'profile')[0]!;
    const servers = (relay.relays as string[]).flatMap((address) => ['--server', address]);
    run(carol, 'init', '--name', 'Carol', ...servers);
    run(dave, 'init', '--name', 'Dave', ...servers);
    run(dave, 'connect', run(carol, 'invite', '--otr')[0]!.link as string);
    for (const dir of [carol, dave, carol]) run(dir, 'sync', '--idle', '0.5');
    assert.deepEqual(run(carol, 'contacts').map((c) => [c.name, c.status, c.offTheRecord]), [['Dave', 'connected', true]]);
    assert.deepEqual(run(dave, 'contacts').map((c) => [c.name, c.offTheRecord]), [['Carol', true]]);
    run(carol, 'send', 'Dave', 'deniable');
    for (const dir of [carol, dave]) run(dir, 'sync', '--idle', '0.5');
    const refused = graphchat(carol, PASSPHRASE, ['proof', 'export', 'Dave', '--out', join(root, 'otr.json')], { expectFailure: true });
    assert.equal(refused.at(-1)!.error, 'OFF_THE_RECORD');

    // Alice asks Bob to go off the record; Bob agrees; both show it.
    run(alice, 'otr', 'on', 'Bob');
    for (const dir of [alice, bob]) run(dir, 'sync', '--idle', '0.5');
    assert.equal(run(bob, 'contacts')[0]!.modeRequest, 'off the record');
    run(bob, 'otr', 'accept', 'Alice');
    for (const dir of [bob, alice]) run(dir, 'sync', '--idle', '0.5');
    assert.equal(run(alice, 'contacts')[0]!.offTheRecord, true);
    assert.equal(run(bob, 'contacts')[0]!.offTheRecord, true);
  });
});
