// The subset of sodium-native (libsodium bindings) that crypto/sodium.ts uses.
declare module 'sodium-native' {
  type Bytes = Uint8Array;
  const sodium: {
    randombytes_buf(out: Bytes): void;
    sodium_memzero(buf: Bytes): void;
    crypto_hash_sha256(out: Bytes, input: Bytes): void;
    crypto_hash_sha512(out: Bytes, input: Bytes): void;
    crypto_scalarmult_base(q: Bytes, n: Bytes): void;
    crypto_scalarmult(q: Bytes, n: Bytes, p: Bytes): void;
    crypto_sign_keypair(pk: Bytes, sk: Bytes): void;
    crypto_sign_seed_keypair(pk: Bytes, sk: Bytes, seed: Bytes): void;
    crypto_sign_detached(sig: Bytes, m: Bytes, sk: Bytes): void;
    crypto_sign_verify_detached(sig: Bytes, m: Bytes, pk: Bytes): boolean;
    crypto_aead_chacha20poly1305_ietf_encrypt(c: Bytes, m: Bytes, ad: Bytes | null, nsec: null, npub: Bytes, k: Bytes): number;
    crypto_aead_chacha20poly1305_ietf_decrypt(m: Bytes, nsec: null, c: Bytes, ad: Bytes | null, npub: Bytes, k: Bytes): number;
    crypto_aead_xchacha20poly1305_ietf_encrypt(c: Bytes, m: Bytes, ad: Bytes | null, nsec: null, npub: Bytes, k: Bytes): number;
    crypto_aead_xchacha20poly1305_ietf_decrypt(m: Bytes, nsec: null, c: Bytes, ad: Bytes | null, npub: Bytes, k: Bytes): number;
    /** Throws when libsodium rejects the parameters or cannot allocate memlimit bytes. */
    crypto_pwhash(out: Bytes, passwd: Bytes, salt: Bytes, opslimit: number, memlimit: number, alg: number): void;
    readonly crypto_pwhash_ALG_ARGON2ID13: number;
  };
  export default sodium;
}
