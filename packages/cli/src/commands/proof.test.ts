import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { proofContextNote } from '@graphchat/core';
import { assertOneErrorLine, run, withContacts } from '../test-support/run-main.js';
import { isoTime, proofFailureLine, provenMessageLine } from './proof.js';

describe('proof: lines', () => {
  it('proof lines: a text on one line and printable, any signed timestamp, failures with or without a place', () => {
    const message = {
      position: 3,
      sender: 'joiner' as const,
      signingKey: 'abcdefghijklmnopqrstuvwxyz',
      seq: 4,
      timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      type: 'text' as const,
      text: 'two\nlines \u001b[2J \u202e',
      hash: '00',
      receipt: { seq: 7, timestamp: Date.UTC(2026, 0, 2, 3, 4, 6) },
      context: 'in-bundle' as const,
      answers: 2,
      lastReceivedHash: '11'.repeat(32),
      unprovenAfter: null,
    };
    assert.equal(
      provenMessageLine(message),
      `3. joiner (abcdefgh) seq 4 2026-01-02T03:04:05.006Z (sender's clock) text "two\\nlines \ufffd[2J \ufffd"; receipt: seq 7 at 2026-01-02T03:04:06.000Z`,
    );
    assert.match(provenMessageLine({ ...message, type: 'hello', text: null, receipt: null }), /\(sender's clock\) hello; no receipt in the bundle$/);
    assert.equal(isoTime(2 ** 53 - 1), '9007199254740991 ms');
  });

  it('a message that answers one left out of the proof, or not the one listed before it, says so (issue 12)', () => {
    const message = {
      position: 2,
      sender: 'inviter' as const,
      signingKey: 'abcdefghijklmnopqrstuvwxyz',
      seq: 5,
      timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      type: 'text' as const,
      text: 'Yes!',
      hash: '00',
      receipt: null,
      context: 'outside' as const,
      answers: null,
      lastReceivedHash: '11'.repeat(32),
      unprovenAfter: 1,
    };
    assert.match(provenMessageLine(message), /text "Yes!"; no receipt in the bundle \(answers a message not in this proof, not message 1\)$/);
    assert.equal(proofContextNote({ ...message, unprovenAfter: null }), 'answers a message not in this proof');
    assert.equal(proofContextNote({ ...message, position: 3, context: 'in-bundle', answers: 1, unprovenAfter: 2 }), 'answers message 1, not message 2');
    assert.equal(proofContextNote({ ...message, context: 'none', lastReceivedHash: '00'.repeat(32) }), 'answers no message in this proof, not message 1');
    assert.equal(proofContextNote({ ...message, position: 3, context: 'in-bundle', answers: 2, unprovenAfter: null }), null);
    assert.match(provenMessageLine({ ...message, context: 'in-bundle', answers: 1, unprovenAfter: null }), /no receipt in the bundle$/);
    assert.equal(proofFailureLine({ code: 'GAP', where: 'envelopes[2]', message: 'missing' }), 'GAP envelopes[2]: missing');
    assert.equal(proofFailureLine({ code: 'BAD_FORMAT', where: null, message: 'unsupported version \u001b\n1' }), 'BAD_FORMAT: unsupported version \ufffd 1');
  });
});

describe('graphchat proof export and verify', () => {
  it('proof export writes the bundle as pretty JSON, over an existing file, 0600, leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      const out = join(dir, 'proof.json');
      writeFileSync(out, 'an older proof');
      const sessions = withContacts();
      const result = await run(['--json', 'proof', 'export', 'bob', '--from', 'm1', '--out', out], { sessions });
      assert.equal(result.code, 0, result.stderr.text);
      assert.deepEqual(result.stdout.json(), [{ proof: out, envelopes: 2, receipts: 1 }]);
      assert.deepEqual(sessions.agent.calls, ['exportProof c1 m1 -']);
      assert.equal(readFileSync(out, 'utf8'), JSON.stringify(sessions.agent.proof, null, 2) + '\n');
      assert.equal(statSync(out).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir), ['proof.json']);

      const human = await run(['proof', 'export', 'c1', '--to', 'm2', '--out', out], { sessions });
      assert.match(human.stdout.lines()[0]!, /^wrote .*proof\.json: 2 envelopes, 1 receipts after them$/);
      const missing = await run(['--json', 'proof', 'export', 'nobody', '--out', out], { sessions });
      assert.equal(missing.code, 1);
      assert.equal((missing.stdout.json()[0] as { error: string }).error, 'NO_CONTACT');
      const unwritable = await run(['proof', 'export', 'bob', '--out', join(dir, 'no', 'such', 'dir.json')], { sessions });
      assert.equal(unwritable.code, 1);
      assertOneErrorLine(unwritable, /cannot write .*dir\.json/);
      assert.deepEqual(readdirSync(dir), ['proof.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proof verify needs no passphrase and opens no store; an invalid bundle exits 1 with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      const file = join(dir, 'p.json');
      writeFileSync(file, JSON.stringify({ type: 'something else' }));
      const json = await run(['--json', 'proof', 'verify', file], { io: { env: {} } });
      assert.equal(json.code, 1);
      assert.deepEqual(json.stdout.json(), [
        { valid: false, securityCode: null, signingKeys: null, failures: [{ code: 'BAD_FORMAT', where: null, message: 'type is not "graphchat-proof"' }] },
      ]);
      assertOneErrorLine(json, /^graphchat: proof invalid: 1 failure$/);
      assert.equal(json.sessions.opened.length, 0);

      const human = await run(['proof', 'verify', file], { io: { env: {} } });
      assert.equal(human.code, 1);
      assert.deepEqual(human.stdout.lines(), ['BAD_FORMAT: type is not "graphchat-proof"']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proof verify of the spliced bundle of issue 12: VALID, and "Yes!" says it answers a message not in this proof', async () => {
    // docs/protocol/vectors/proof.json: the joiner's forged "Will you transfer me 10,000 EUR?" and the inviter's real "Yes!".
    const vectors = JSON.parse(readFileSync(new URL('../../../../docs/protocol/vectors/proof.json', import.meta.url), 'utf8')) as {
      cases: { envelopes: string[]; bundle: unknown }[];
    };
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      for (const [names, flags] of [
        [['FJ4', 'I5'], ['answers a message not in this proof', 'answers a message not in this proof, not message 1']],
        [['J4', 'FJ5', 'I5'], ['answers a message not in this proof', 'answers a message not in this proof', 'answers message 1, not message 2']],
      ] as const) {
        const file = join(dir, `${names.join('-')}.json`);
        writeFileSync(file, JSON.stringify(vectors.cases.find((c) => c.envelopes.join(' ') === names.join(' '))!.bundle));
        const human = await run(['proof', 'verify', file], { io: { env: {} } });
        assert.equal(human.code, 0, human.stderr.text);
        const lines = human.stdout.lines();
        assert.equal(lines.at(-1), 'VALID');
        const messages = lines.slice(3, -1);
        assert.equal(messages.length, flags.length);
        messages.forEach((line, i) => assert.ok(line.endsWith(`(${flags[i]!})`), line));
        assert.match(messages.at(-1)!, /^\d\. inviter .* text "Yes!"; /);

        const json = await run(['--json', 'proof', 'verify', file], { io: { env: {} } });
        const yes = (json.stdout.json() as { text?: string; context?: string; answers?: number | null; unprovenAfter?: number | null }[]).find((m) => m.text === 'Yes!')!;
        assert.deepEqual([yes.context, yes.answers, yes.unprovenAfter], names.length === 2 ? ['outside', null, 1] : ['in-bundle', 1, 2]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proof verify: a missing file or one that is not JSON is BAD_PROOF_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      const missing = await run(['--json', 'proof', 'verify', join(dir, 'none.json')], { io: { env: {} } });
      assert.equal(missing.code, 1);
      assert.equal((missing.stdout.json()[0] as { error: string }).error, 'BAD_PROOF_FILE');
      assertOneErrorLine(missing, /cannot read .*none\.json/);
      writeFileSync(join(dir, 'cut.json'), '{"type": "graphchat-proof", "vers');
      const cut = await run(['proof', 'verify', join(dir, 'cut.json')], { io: { env: {} } });
      assert.equal(cut.code, 1);
      assertOneErrorLine(cut, /cut\.json is not JSON/);
      assert.equal(cut.sessions.opened.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
