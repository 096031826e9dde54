/**
 * The real wiring: the encrypted SQLite store in the state directory, the
 * libsodium crypto backend and `ws` WebSockets.
 */
import { mkdirSync, rmSync } from 'node:fs';
import WebSocket from 'ws';
import { Agent } from '@graphchat/client';
import type { WebSocketLike } from '@graphchat/client';
import type { Argon2idParams } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { databasePath } from './session.js';
import type { OpenSession, OpenSessionOptions, Session } from './session.js';
import { openSqliteStore } from './store/sqlite-store.js';
import { kdfPath } from './store/store-key.js';

export interface RuntimeOptions {
  /** Argon2id cost for a new database (tests use a cheap one); default the store's. */
  readonly kdf?: Argon2idParams;
}

/** Removes a database this process just created (and its WAL, shared memory and key file). */
export function removeDatabase(dir: string): void {
  const path = databasePath(dir);
  for (const file of [path, `${path}-wal`, `${path}-shm`, kdfPath(path)]) rmSync(file, { force: true });
}

export function sessionOpener(runtime: RuntimeOptions = {}): OpenSession {
  return async (options: OpenSessionOptions): Promise<Session> => {
    if (options.create) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const store = openSqliteStore(databasePath(options.dir), options.passphrase, {
      create: options.create,
      ...(runtime.kdf !== undefined ? { kdf: runtime.kdf } : {}),
    });
    try {
      const agent = new Agent({
        store,
        crypto: sodiumCrypto,
        webSocket: (url: string) => new WebSocket(url) as unknown as WebSocketLike,
      });
      return {
        agent,
        close: () => store.close(),
        discard: () => {
          store.close();
          if (options.create) removeDatabase(options.dir);
        },
      };
    } catch (error) {
      store.close();
      if (options.create) removeDatabase(options.dir);
      throw error;
    }
  };
}

/**
 * Test-only: a cheap Argon2id cost (1 pass over 64 KiB instead of 3 over
 * 128 MiB), so that tests running the `graphchat` process many times do not
 * spend most of their time deriving the store key.
 */
export const FAST_TEST_KDF: Argon2idParams = { iterations: 1, memoryKiB: 64 };

/**
 * Runtime options from the environment. Test-only: `GRAPHCHAT_KDF=fast`
 * makes a database created by this process (`init`) use FAST_TEST_KDF. It is
 * honoured only when creating: an existing database always opens with the
 * cost recorded in its key file. Never set it for real use, as it makes
 * guessing the passphrase of the new database cheap. Other values are ignored.
 */
export function runtimeFromEnv(env: Readonly<Record<string, string | undefined>>): RuntimeOptions {
  return env['GRAPHCHAT_KDF'] === 'fast' ? { kdf: FAST_TEST_KDF } : {};
}

export const openSession: OpenSession = sessionOpener(runtimeFromEnv(process.env));
