/** The `graphchat` command. */
import { oneLine } from './errors.js';
import { main } from './main.js';

/** Something failed outside any command's control (a background task): reported like any internal error. */
let finished = false;

function internal(error: unknown): void {
  // Once the command has finished and reported, a late failure of a closing socket changes nothing.
  if (finished) return;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`graphchat: internal error: ${oneLine(message)}\n`);
  if (process.env['GRAPHCHAT_DEBUG'] && error instanceof Error && error.stack !== undefined) process.stderr.write(error.stack + '\n');
  process.exit(70);
}
process.on('uncaughtException', internal);
process.on('unhandledRejection', internal);
// The reader went away (`graphchat --json sync | head -1`): stop quietly, as a shell tool would on SIGPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(141);
  internal(error);
});

const stdin = process.stdin;
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin,
  isTTY: stdin.isTTY === true && process.stdout.isTTY === true,
});
finished = true;
process.exitCode = code;
// Exit even if a socket or timer is still open; stdout to a pipe or file is written synchronously on POSIX,
// and the callback below waits for a terminal to take it.
process.stdout.write('', () => process.exit(code));
