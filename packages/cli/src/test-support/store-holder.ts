/**
 * Child process for the exclusive-use test: opens an existing store, says
 * "open" on stdout, and keeps it open until its stdin ends (then closes it
 * and exits) or it is killed.
 *
 * Usage: node store-holder.js <database path> <passphrase>
 */
import { openSqliteStore } from '../store/sqlite-store.js';

const [path, passphrase] = process.argv.slice(2);
if (path === undefined || passphrase === undefined) throw new Error('usage: store-holder <path> <passphrase>');
const store = openSqliteStore(path, passphrase, { create: false });
store.setMeta('holder', String(process.pid));
process.stdout.write('open\n');
process.stdin.resume();
process.stdin.once('end', () => store.close());
