import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryItem } from '@graphchat/client';
import { jsonLine } from '../output.js';
import { run, withContacts } from '../test-support/run-main.js';
import { historyJson, historyLine } from './history.js';

describe('history: JSON and lines', () => {
  it('history: {"message","direction","text","status","timestamp"}', () => {
    const item: HistoryItem = { id: 'm1', direction: 'received', text: 'hi', status: 'received', timestamp: 1700000000000, seq: 3 };
    assert.equal(jsonLine(historyJson(item)), '{"message":"m1","direction":"received","text":"hi","status":"received","timestamp":1700000000000}\n');
  });

  it('history lines carry ticks', () => {
    const base = { id: 'm', text: 'hi', timestamp: 0, seq: 1 } as const;
    assert.match(historyLine({ ...base, direction: 'sent', status: 'delivered' }, 'bob'), /\] me: hi {2}✓✓$/);
    assert.match(historyLine({ ...base, direction: 'sent', status: 'sent' }, 'bob'), /\] me: hi {2}✓$/);
    assert.match(historyLine({ ...base, direction: 'received', status: 'received' }, 'bob'), /\] bob: hi$/);
  });
});

describe('graphchat history', () => {
  it('history: one line per message', async () => {
    const sessions = withContacts();
    sessions.agent.messages.set('c1', [
      { id: 'm1', direction: 'sent', text: 'hello', status: 'delivered', timestamp: 1, seq: 1 },
      { id: 'm2', direction: 'received', text: 'hi', status: 'received', timestamp: 2, seq: 1 },
    ]);
    const result = await run(['--json', 'history', 'bob'], { sessions });
    assert.deepEqual(result.stdout.json(), [
      { message: 'm1', direction: 'sent', text: 'hello', status: 'delivered', timestamp: 1 },
      { message: 'm2', direction: 'received', text: 'hi', status: 'received', timestamp: 2 },
    ]);
  });
});
