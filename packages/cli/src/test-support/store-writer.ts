/**
 * Child process for the kill -9 test: opens an existing store and commits
 * transactions until killed. Transaction i stores message "m<i>" and sets
 * meta "count" to i; after each commit it may report i on stdout, so every
 * reported i is known to be committed.
 *
 * Usage: node store-writer.js <database path> <passphrase>
 */
import { openSqliteStore } from '../store/sqlite-store.js';
import { message } from '@graphchat/client/test-support';

const [path, passphrase] = process.argv.slice(2);
if (path === undefined || passphrase === undefined) throw new Error('usage: store-writer <path> <passphrase>');
const store = openSqliteStore(path, passphrase, { create: false });
for (let i = 1; ; i++) {
  store.transaction(() => {
    store.putMessage(message(`m${i}`, 'c1', { seq: i, text: `message ${i} `.repeat(20) }));
    store.setMeta('count', String(i));
  });
  if (i % 50 === 0) process.stdout.write(`${i}\n`);
}
