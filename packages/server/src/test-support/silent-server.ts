/**
 * A stand-in for a destination relay that is down in the worst way: it
 * accepts TCP connections and never says a word (forwarding tests).
 */
import { toBase64url } from '@graphchat/core';
import { createServer, type Server, type Socket } from 'node:net';

export async function silentServer(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, port, close };
}

/** A relay address at the silent server; `i` makes the fingerprint, so several addresses are distinct destinations. */
export const silentAddress = (port: number, i = 1): string => `emp://${toBase64url(new Uint8Array(32).fill(i))}@127.0.0.1:${port}`;
