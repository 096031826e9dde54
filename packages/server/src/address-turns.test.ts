import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressTurns } from './address-turns.js';

/** A piece of work that runs until `finish` is called, and records when it started. */
function gate(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { work: async () => (log.push(name), done), finish };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AddressTurns', () => {
  it('runs one block of an address at a time, in arrival order, while other addresses run alongside', async () => {
    const turns = new AddressTurns(1);
    const log: string[] = [];
    const [a1, a2, a3, b1] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'a3'), gate(log, 'b1')];
    const runs = [turns.run('a', a1.work), turns.run('a', a2.work), turns.run('a', a3.work), turns.run('b', b1.work)];
    await tick();
    assert.deepEqual(log, ['a1', 'b1'], 'the other address did not wait behind the busy one');
    a1.finish();
    await tick();
    assert.deepEqual(log, ['a1', 'b1', 'a2']);
    a2.finish();
    a3.finish();
    b1.finish();
    await Promise.all(runs);
    assert.deepEqual(log, ['a1', 'b1', 'a2', 'a3']);
    assert.equal(turns.size, 0, 'idle addresses are forgotten');
  });

  it('runs up to perAddress blocks of one address at once, and passes on the slot of a block that fails', async () => {
    const turns = new AddressTurns(2);
    const log: string[] = [];
    const [a1, a2, a3] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'a3')];
    const failing = turns.run('a', async () => {
      await a1.work();
      throw new Error('refused');
    });
    const runs = [turns.run('a', a2.work), turns.run('a', a3.work)];
    await tick();
    assert.deepEqual(log, ['a1', 'a2']);
    a1.finish();
    await assert.rejects(failing, /refused/);
    await tick();
    assert.deepEqual(log, ['a1', 'a2', 'a3']);
    a2.finish();
    a3.finish();
    await Promise.all(runs);
    assert.equal(turns.size, 0);
  });
});
