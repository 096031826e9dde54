/**
 * The IndexedDB calls of the browser store, as promises: one database per
 * store, version 1, with one object store of records under string keys.
 * Failures reject with BrowserStoreError STORAGE.
 */
import { BrowserStoreError } from './errors.js';
import type { WriteBatch } from './write-behind.js';

const RECORDS = 'records';
const VERSION = 1;

function storageError(what: string, cause: unknown): BrowserStoreError {
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new BrowserStoreError('STORAGE', `${what}: ${reason}`, { cause });
}

/** The given factory, or the browser's; STORAGE when there is none (some private modes, non-browser runtimes). */
export function idbFactory(factory?: IDBFactory): IDBFactory {
  const found = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (found === undefined) throw new BrowserStoreError('STORAGE', 'IndexedDB is not available here');
  return found;
}

/**
 * Another tab deleting the database (or the user clearing site data) asks
 * open connections to close first; this store gives way, and its next
 * write fails with STORAGE instead of the deletion waiting forever.
 */
function giveWay(db: IDBDatabase): IDBDatabase {
  db.onversionchange = () => db.close();
  return db;
}

/** Opens the database `name`, or resolves null if there is none (without creating one). */
export function openExisting(factory: IDBFactory, name: string): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    let missing = false;
    const request = factory.open(name, VERSION);
    request.onupgradeneeded = () => {
      // Version 0 is no database: aborting its creation leaves none behind.
      missing = true;
      request.transaction!.abort();
    };
    request.onsuccess = () => resolve(giveWay(request.result));
    request.onerror = (event) => {
      event.preventDefault();
      if (missing) resolve(null);
      else reject(storageError(`cannot open the database ${name}`, request.error));
    };
  });
}

/**
 * Creates the database `name` holding `initial` records, written in its
 * creation transaction: a database exists with them or not at all. Resolves
 * null if the database exists already.
 */
export function createDatabase(factory: IDBFactory, name: string, initial: ReadonlyMap<string, unknown>): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    let created = false;
    const request = factory.open(name, VERSION);
    request.onupgradeneeded = () => {
      created = true;
      const records = request.result.createObjectStore(RECORDS);
      for (const [key, value] of initial) records.put(value, key);
    };
    request.onsuccess = () => {
      if (created) return resolve(giveWay(request.result));
      request.result.close();
      resolve(null);
    };
    request.onerror = (event) => {
      event.preventDefault();
      reject(storageError(`cannot create the database ${name}`, request.error));
    };
  });
}

/** Every record, keys and values in key order. */
export function readAll(db: IDBDatabase): Promise<[string, unknown][]> {
  return new Promise((resolve, reject) => {
    try {
      const records = db.transaction(RECORDS, 'readonly').objectStore(RECORDS);
      // One transaction: both lists come in the same key order.
      const keys = records.getAllKeys();
      const values = records.getAll();
      records.transaction.oncomplete = () => resolve(keys.result.map((key, i) => [String(key), values.result[i]]));
      records.transaction.onabort = () => reject(storageError('cannot read the store', records.transaction.error));
    } catch (error) {
      reject(storageError('cannot read the store', error));
    }
  });
}

/**
 * Writes a batch in one readwrite transaction: all of it or none. Durability
 * 'strict': complete once on disk, so a power cut can't roll back a ratchet
 * state whose message has left (its key would then encrypt a second
 * message). Commits made during a write share the next one, so a burst
 * costs few syncs.
 */
export function writeBatch(db: IDBDatabase, batch: WriteBatch): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      const transaction = db.transaction(RECORDS, 'readwrite', { durability: 'strict' });
      const records = transaction.objectStore(RECORDS);
      for (const [key, value] of batch) {
        if (value === null) records.delete(key);
        else records.put(value, key);
      }
      transaction.oncomplete = () => resolve();
      transaction.onabort = () => reject(storageError('writing to the store failed', transaction.error));
    } catch (error) {
      reject(storageError('writing to the store failed', error));
    }
  });
}
