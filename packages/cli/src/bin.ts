/** The `graphchat` command. */
import { main } from './main.js';

const stdin = process.stdin;
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin,
  isTTY: stdin.isTTY === true && process.stdout.isTTY === true,
});
process.exitCode = code;
// Exit even if a socket or timer is still open; stdout to a pipe or file is written synchronously on POSIX,
// and the callback below waits for a terminal to take it.
process.stdout.write('', () => process.exit(code));
