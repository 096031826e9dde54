/**
 * One received frame in, the frames that answer it out: shared by the
 * WebSocket and HTTP transports.
 */
import { decodeBlock, encodeSigned, encodeResponse, encodeTransmission, packBlocks, type EmpSession } from '@graphchat/core';
import type { RelayConnection } from './relay.js';

const EMPTY = new Uint8Array(0);
const BLOCK_ERROR = encodeTransmission(EMPTY, encodeSigned(EMPTY, EMPTY, encodeResponse({ type: 'ERR', code: 'BLOCK' })));

/**
 * Opens nothing: `plaintext` is the already-decrypted block, so callers can
 * open frames in arrival order. `remote` are the answers waiting for another
 * relay (PRXY, PFWD): callers await them outside the address's turn.
 */
export async function answerBlock(connection: RelayConnection, plaintext: Uint8Array): Promise<{ ready: Uint8Array[]; remote: Promise<Uint8Array>[] }> {
  let transmissions: Uint8Array[];
  try {
    transmissions = decodeBlock(plaintext);
  } catch {
    connection.lastBlockWrote = false;
    return { ready: [BLOCK_ERROR], remote: [] };
  }
  return connection.handleBlock(transmissions);
}

export function sealTransmissions(session: EmpSession, transmissions: readonly Uint8Array[]): Uint8Array[] {
  return packBlocks(transmissions).map((block) => session.seal(block));
}
