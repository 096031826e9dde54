/**
 * Blocks: the fixed-size plaintext of every transport frame
 * (docs/protocol/edge-messaging.md §Blocks).
 *
 *   block = count:u8 *(length:u16 transmission) zero-padding
 *
 * 1 <= count <= 255; the padding fills the block to BLOCK_PLAINTEXT_SIZE and
 * must be all zeros, so every block has exactly one encoding.
 */
import { ByteReader } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { BLOCK_PLAINTEXT_SIZE } from './limits.js';

const MAX_TRANSMISSIONS = 255;
const BLOCK_HEADER = 1;
const LENGTH_PREFIX = 2;

/** The largest transmission that fits in a block on its own. */
export const MAX_TRANSMISSION_SIZE = BLOCK_PLAINTEXT_SIZE - BLOCK_HEADER - LENGTH_PREFIX;

export function encodeBlock(transmissions: readonly Uint8Array[]): Uint8Array {
  if (transmissions.length < 1 || transmissions.length > MAX_TRANSMISSIONS) throw new RangeError('a block holds 1 to 255 transmissions');
  const block = new Uint8Array(BLOCK_PLAINTEXT_SIZE);
  const view = new DataView(block.buffer);
  block[0] = transmissions.length;
  let offset = BLOCK_HEADER;
  for (const t of transmissions) {
    if (offset + LENGTH_PREFIX + t.length > BLOCK_PLAINTEXT_SIZE) throw new RangeError('transmissions do not fit in one block');
    view.setUint16(offset, t.length);
    block.set(t, offset + LENGTH_PREFIX);
    offset += LENGTH_PREFIX + t.length;
  }
  return block;
}

export function decodeBlock(block: Uint8Array): Uint8Array[] {
  if (block.length !== BLOCK_PLAINTEXT_SIZE) throw new DecodeError('INVALID', `block must be ${BLOCK_PLAINTEXT_SIZE} bytes`);
  const r = new ByteReader(block);
  const count = r.u8();
  if (count === 0) throw new DecodeError('INVALID', 'empty block');
  const transmissions: Uint8Array[] = [];
  for (let i = 0; i < count; i++) transmissions.push(r.longBytes());
  if (!allZero(block, r.offset)) throw new DecodeError('INVALID', 'non-zero block padding');
  return transmissions;
}

/** Whether block[from..] is all zeros; reads 32-bit words, since this runs on every frame. */
function allZero(block: Uint8Array, from: number): boolean {
  let i = from;
  let acc = 0;
  while (i < block.length && (block.byteOffset + i) % 4 !== 0) acc |= block[i++]!;
  const words = new Uint32Array(block.buffer, block.byteOffset + i, (block.length - i) >>> 2);
  for (let w = 0; w < words.length; w++) acc |= words[w]!;
  for (i += words.length * 4; i < block.length; i++) acc |= block[i]!;
  return acc === 0;
}

/** Packs transmissions, in order, into as few blocks as a greedy fill gives. */
export function packBlocks(transmissions: readonly Uint8Array[]): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let used = BLOCK_HEADER;
  for (const t of transmissions) {
    if (t.length > MAX_TRANSMISSION_SIZE) throw new RangeError('transmission larger than a block');
    if (batch.length === MAX_TRANSMISSIONS || used + LENGTH_PREFIX + t.length > BLOCK_PLAINTEXT_SIZE) {
      blocks.push(encodeBlock(batch));
      batch = [];
      used = BLOCK_HEADER;
    }
    batch.push(t);
    used += LENGTH_PREFIX + t.length;
  }
  if (batch.length > 0) blocks.push(encodeBlock(batch));
  return blocks;
}
