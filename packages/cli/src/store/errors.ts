import { CodedError } from '@graphchat/core';

/** Why a store could not be opened or created; `code` is stable, the message is for people. */
export type StoreErrorCode =
  /** The database exists but the passphrase does not open it. */
  | 'WRONG_PASSPHRASE'
  /** There is no database yet and the caller did not ask to create one. */
  | 'NOT_INITIALIZED'
  /** The caller asked to create a database where one already exists. */
  | 'ALREADY_INITIALIZED'
  /** Another process (or another connection in this one) has the database open. */
  | 'IN_USE'
  /** Any other failure to open: unreadable or damaged files, a newer schema. */
  | 'CORRUPT';

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}
