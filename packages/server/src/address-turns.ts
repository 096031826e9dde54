/**
 * Fairness between client addresses (issue 12, part 3). Each connection
 * already gets at most one block executed per turn of the event loop
 * (ws-transport.ts), but an address with 50 connections then gets 50 blocks
 * into every turn, and every other client waits for all of them. Here at
 * most `perAddress` blocks of one address run at once; the others of that
 * address wait in arrival order (which is round robin over its connections,
 * since each connection has at most one block waiting). A turn then holds a
 * few blocks of each busy address, so its length follows the number of
 * active addresses, not one address's connections (EMP §5.3, §10).
 */
export class AddressTurns {
  private readonly lanes = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly perAddress: number) {}

  /** Runs `work` once `address` has a free slot; the slot is held until `work` settles. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(address);
    if (lane === undefined) this.lanes.set(address, (lane = { running: 0, waiting: [] }));
    if (lane.running < this.perAddress) lane.running++;
    else await new Promise<void>((resolve) => lane.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = lane.waiting.shift();
      if (next !== undefined) next(); // the slot passes to it
      else if (--lane.running === 0) this.lanes.delete(address);
    }
  }

  /** Addresses with a block running or waiting (for tests). */
  get size(): number {
    return this.lanes.size;
  }
}
