/**
 * The IndexedDB keys of the browser store's records. A key names a record's
 * table and id and is bound to its value as associated data, so a value
 * cannot be moved to another key. Keys are stored in clear, so they hold
 * nothing a user wrote or could recognise: profile, connection and message
 * ids are random, outbox ids are counters, and meta keys appear only as a
 * keyed hash (RecordCipher.metaName), since some name the hash of an
 * invitation (`joined <sha256>`), which anyone holding that invitation, a
 * published contact address say, could look for.
 */

/** Plain: the salt and cost of the key derivation, needed before anything can be decrypted. */
export const HEADER_KEY = 'header';
/** A known constant under the store key: tells a wrong passphrase from a damaged record. */
export const CHECK_KEY = 'check';
export const NEXT_OUTBOX_ID_KEY = 's/next-outbox-id';

export const recordKey = {
  /** `name`: the meta key's keyed hash; the key itself is stored in the record. */
  meta: (name: string): string => `meta/${name}`,
  profile: (id: string): string => `p/${id}`,
  connection: (id: string): string => `c/${id}`,
  message: (id: string): string => `m/${id}`,
  outbox: (id: number): string => `o/${id}`,
  held: (connectionId: string, seq: number): string => `h/${connectionId}/${seq}`,
};

/** What a record key names; null for a key this store never writes. */
export type ParsedKey =
  | { readonly table: 'meta' | 'profile' | 'connection' | 'message' | 'outbox' | 'nextOutboxId' }
  | { readonly table: 'held'; readonly connectionId: string; readonly seq: number };

export function parseRecordKey(key: string): ParsedKey | null {
  if (key === NEXT_OUTBOX_ID_KEY) return { table: 'nextOutboxId' };
  const slash = key.indexOf('/');
  const rest = key.slice(slash + 1);
  switch (slash < 0 ? '' : key.slice(0, slash)) {
    case 'meta':
      return { table: 'meta' };
    case 'p':
      return { table: 'profile' };
    case 'c':
      return { table: 'connection' };
    case 'm':
      return { table: 'message' };
    case 'o':
      return { table: 'outbox' };
    case 'h': {
      const last = rest.lastIndexOf('/');
      const seq = Number(rest.slice(last + 1));
      return last < 0 || !Number.isSafeInteger(seq) ? null : { table: 'held', connectionId: rest.slice(0, last), seq };
    }
    default:
      return null;
  }
}
