/**
 * Sealing of the browser store's records: each value is the JSON text of
 * the record (encodeRecord) as UTF-8, encrypted with XChaCha20-Poly1305
 * under the store key and a random 24-byte nonce, with the record's
 * IndexedDB key as associated data, and stored as nonce || ciphertext.
 * Random nonces are safe at this length (192 bits), so no counter has to
 * survive a crash.
 *
 * Meta records are keyed by a hash of their name under a second key, derived
 * from the store key with HKDF (record-keys.ts says why).
 */
import { decodeRecord, encodeRecord } from '@graphchat/client';
import { fromUtf8, toBase64url, utf8 } from '@graphchat/core';
import type { Crypto } from '@graphchat/core';

const NONCE_LENGTH = 24;
const NAME_KEY_INFO = utf8('graphchat browser store meta names');

export class RecordCipher {
  private readonly nameKey: Uint8Array;

  constructor(
    private readonly crypto: Crypto,
    private readonly key: Uint8Array,
  ) {
    this.nameKey = crypto.hkdfSha256(key, new Uint8Array(0), NAME_KEY_INFO, 32);
  }

  /** How the meta key `key` is named in IndexedDB: HMAC-SHA256 under the name key, base64url. */
  metaName(key: string): string {
    return toBase64url(this.crypto.hmacSha256(this.nameKey, utf8(key)));
  }

  seal(recordKey: string, plaintext: Uint8Array): Uint8Array {
    const nonce = this.crypto.randomBytes(NONCE_LENGTH);
    const ciphertext = this.crypto.xchacha20Poly1305Encrypt(this.key, nonce, utf8(recordKey), plaintext);
    const sealed = new Uint8Array(NONCE_LENGTH + ciphertext.length);
    sealed.set(nonce);
    sealed.set(ciphertext, NONCE_LENGTH);
    return sealed;
  }

  /** The plaintext, or null when `sealed` is not a value sealed under this key for this record key. */
  open(recordKey: string, sealed: unknown): Uint8Array | null {
    if (!(sealed instanceof Uint8Array) || sealed.length < NONCE_LENGTH) return null;
    return this.crypto.xchacha20Poly1305Decrypt(this.key, sealed.subarray(0, NONCE_LENGTH), utf8(recordKey), sealed.subarray(NONCE_LENGTH));
  }

  /** Seals a record (any value encodeRecord takes). Throws RecordCodecError for a value it cannot encode. */
  sealRecord(recordKey: string, record: unknown): Uint8Array {
    return this.seal(recordKey, utf8(encodeRecord(record)));
  }

  /**
   * The record sealed under `recordKey`, or undefined (which no JSON text
   * decodes to) when it does not decrypt. Throws when it decrypts but does
   * not decode.
   */
  openRecord(recordKey: string, sealed: unknown): unknown {
    const plaintext = this.open(recordKey, sealed);
    return plaintext === null ? undefined : decodeRecord<unknown>(fromUtf8(plaintext));
  }

  /** Erases the keys; the cipher is unusable afterwards. */
  wipe(): void {
    this.crypto.wipe(this.key);
    this.crypto.wipe(this.nameKey);
  }
}
