/** Asking for the passphrase on a terminal, without echoing it. */
import { CliError } from './errors.js';
import type { Writable } from './output.js';

/** A terminal input stream (process.stdin when it is a TTY). */
export interface TerminalInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  removeListener(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Reads one line from a raw-mode terminal without echo; Ctrl-C or Ctrl-D on an empty line cancels. */
export function askHidden(prompt: string, input: TerminalInput, output: Writable): Promise<string> {
  return new Promise((resolve, reject) => {
    if (input.setRawMode === undefined) {
      reject(new CliError('NO_PASSPHRASE', 'cannot read a passphrase without a terminal'));
      return;
    }
    output.write(prompt);
    let text = '';
    const finish = (error: CliError | null): void => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error === null) resolve(text);
      else reject(error);
    };
    const onData = (chunk: string | Buffer): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(null);
        if (char === '\u0003' || (char === '\u0004' && text === '')) {
          return finish(new CliError('NO_PASSPHRASE', 'no passphrase given'));
        }
        if (char === '\u007f' || char === '\b') text = [...text].slice(0, -1).join('');
        else if (char >= ' ') text += char;
      }
    };
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}

/**
 * Asks for the passphrase; for a new database asks twice and insists they
 * match. An empty passphrase is refused.
 */
export async function askPassphrase(input: TerminalInput, output: Writable, create: boolean): Promise<string> {
  const passphrase = await askHidden(create ? 'New passphrase: ' : 'Passphrase: ', input, output);
  if (passphrase === '') throw new CliError('NO_PASSPHRASE', 'empty passphrase');
  if (create) {
    const again = await askHidden('Repeat passphrase: ', input, output);
    if (again !== passphrase) throw new CliError('NO_PASSPHRASE', 'the passphrases differ');
  }
  return passphrase;
}
