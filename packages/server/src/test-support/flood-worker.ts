// Runs `flood` in a worker thread, so that the flooders' own work does not
// delay the honest clients of the test's main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { flood } from './flood.js';

const { address, sockets, seconds, window, localAddress } = workerData as { address: string; sockets: number; seconds: number; window: number; localAddress: string };
const result = await flood(address, sockets, seconds, window, localAddress);
parentPort!.postMessage({ ...result, tally: [...result.tally] });
