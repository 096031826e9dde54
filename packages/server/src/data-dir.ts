/**
 * The data directory and the modes of the files in it. `relay.db` holds each
 * queue's DH secret and `relay-identity.key` the relay's static secret, both
 * unencrypted, so every file the relay writes there is 0600 whatever the
 * umask, and the directory itself is checked at start: a directory that
 * already existed (a mounted volume, say) keeps its own mode.
 *
 * - Group or others can write the directory: they could replace the key or
 *   the store. The relay refuses to start unless `allowOpen` is set.
 * - Group or others can only read or search it: the files stay 0600, but
 *   their names and sizes show. The relay warns and starts.
 */
import { closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config.js';
import type { Logger } from './log.js';

/** Mode of every file the relay writes in the data directory. */
export const FILE_MODE = 0o600;

export const STORE_FILE = 'relay.db';
/** SQLite's companions of the store in WAL mode; SQLite gives them the store file's mode. */
export const STORE_FILES = [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`] as const;

/**
 * Creates the data directory (0700) if needed and checks the mode of one that
 * exists. Throws ConfigError when group or others may write it and `allowOpen`
 * is false; otherwise logs a warning for any group or other access.
 */
export function prepareDataDir(dataDir: string, allowOpen: boolean, log: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const shown = mode.toString(8).padStart(4, '0');
  if ((mode & 0o022) !== 0 && !allowOpen) {
    throw new ConfigError(
      `data directory ${dataDir} has mode ${shown}: group or others can write it and so replace the relay's key or store; ` +
        `chmod 700 it, or start with --allow-open-data-dir (ALLOW_OPEN_DATA_DIR=1) to accept that`,
    );
  }
  log.warn(`data directory ${dataDir} has mode ${shown}: its files are ${FILE_MODE.toString(8).padStart(4, '0')}, but group or others can see their names and sizes${(mode & 0o022) !== 0 ? ' and replace them' : ''}; chmod 700 it`);
}

/**
 * Creates `path` empty with mode 0600 if it does not exist, so that SQLite
 * (which gives new files the umask's mode, and its -wal and -shm files the
 * mode of the database file) never creates it world-readable.
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Sets the mode of each of `names` in `dataDir` that exists to 0600: files a
 * relay before this check created with the umask's mode (0644). Symbolic
 * links are left alone; nothing the relay writes is one.
 */
export function restrictFiles(dataDir: string, names: readonly string[], log: Logger): void {
  for (const name of names) {
    const path = join(dataDir, name);
    let mode: number;
    try {
      const stats = lstatSync(path);
      if (!stats.isFile()) continue;
      mode = stats.mode & 0o777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (mode === FILE_MODE) continue;
    // Through a descriptor opened without following links: the file checked is the file changed.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      fchmodSync(fd, FILE_MODE);
    } finally {
      closeSync(fd);
    }
    log.info(`${path}: mode ${mode.toString(8).padStart(4, '0')} changed to ${FILE_MODE.toString(8).padStart(4, '0')}`);
  }
}
