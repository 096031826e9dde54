/**
 * The ceiling for bench/relay.ts: a plain `ws` server that echoes every
 * binary frame unchanged, no crypto, no storage. Listens on 127.0.0.1 on the
 * given port (default: any free one) and prints `ws://127.0.0.1:PORT` as the
 * first line on stdout. Same server options as the relay's WebSocketServer.
 */
import { WebSocketServer } from 'ws';

const BLOCK_SIZE = 16384;
const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: BLOCK_SIZE, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (isBinary) ws.send(data as Buffer, { binary: true });
  });
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  process.stdout.write(`ws://127.0.0.1:${address.port}\n`);
});
const stop = () => wss.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
