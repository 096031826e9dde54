import { CodedError } from '@graphchat/core';

/** Why the browser store could not be opened or written; `code` is stable, the message is for people. */
export type BrowserStoreErrorCode =
  /** The store exists but the passphrase does not open it. */
  | 'WRONG_PASSPHRASE'
  /** There is no store of that name and the caller did not ask to create one. */
  | 'NOT_INITIALIZED'
  /** The caller asked to create a store where one already exists. */
  | 'ALREADY_EXISTS'
  /** IndexedDB failed (unavailable, quota, the database deleted underneath); after a failed write the store refuses transactions. */
  | 'STORAGE'
  /** The passphrase is right but a stored record does not decrypt or decode: damaged, or written by something else. */
  | 'CORRUPT';

export class BrowserStoreError extends CodedError<BrowserStoreErrorCode> {
  override readonly name = 'BrowserStoreError';
}
