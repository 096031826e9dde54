import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from './command-line.js';
import type { Command, ParsedArgs } from './command-line.js';
import { CliError } from './errors.js';

const environment = { env: {}, homeDir: '/home/u' };
/** The parsed command line; throws its usage error, if any. */
function parse(...argv: string[]): ParsedArgs {
  const parsed = parseArgs(argv, environment);
  if (parsed.error !== null) throw parsed.error;
  return parsed;
}
const command = (...argv: string[]): Command | null => parse(...argv).command;

function usageError(argv: string[], pattern: RegExp): void {
  const { command, error } = parseArgs(argv, environment);
  assert.equal(command, null);
  assert.ok(error instanceof CliError && error.code === 'USAGE' && pattern.test(error.message) && !error.message.includes('\n'), `${argv.join(' ')}: ${String(error)}`);
}

describe('global options', () => {
  it('defaults: ~/.graphchat, no file, no json', () => {
    assert.deepEqual(parse('contacts').options, {
      dir: '/home/u/.graphchat',
      passphraseFile: null,
      json: false,
      help: false,
      version: false,
    });
  });

  it('GRAPHCHAT_DIR replaces the default, --dir replaces both', () => {
    const env = { env: { GRAPHCHAT_DIR: '/srv/gc' }, homeDir: '/home/u' };
    assert.equal(parseArgs(['contacts'], env).options.dir, '/srv/gc');
    assert.equal(parseArgs(['--dir', '/x', 'contacts'], env).options.dir, '/x');
    assert.equal(parseArgs(['--dir=/y', 'contacts'], env).options.dir, '/y');
  });

  it('are accepted in any order before the command', () => {
    const a = parse('--json', '--dir', 'd', '--passphrase-file', 'f', 'contacts');
    const b = parse('--passphrase-file', 'f', '--dir', 'd', '--json', 'contacts');
    assert.deepEqual(a, b);
    assert.deepEqual(a.options, { dir: 'd', passphraseFile: 'f', json: true, help: false, version: false });
    assert.deepEqual(a.command, { name: 'contacts', all: false });
  });

  it('--help and --version, with or without a command', () => {
    assert.equal(parse('--help').options.help, true);
    assert.equal(parse('-h').options.help, true);
    assert.equal(parse('--version').options.version, true);
    assert.equal(parse('-V').options.version, true);
    assert.equal(parse('--help', 'send').options.help, true);
    assert.deepEqual(parse('--help', 'send').command, { name: 'help', topic: 'send' });
    assert.deepEqual(parse('--help', 'nonsense', '--x').command, { name: 'help', topic: null });
    assert.equal(parse('--help').command, null);
  });

  it('no command gives null', () => {
    assert.equal(parse().command, null);
    assert.equal(parse('--json', '--dir', 'x').command, null);
  });

  it('after the command they are a usage error that says where they go', () => {
    usageError(['contacts', '--json'], /--json is a global option: put it before the command/);
    usageError(['sync', '--dir', 'x'], /--dir is a global option/);
  });

  it('the suggestion moves the option, with its value, before the command', () => {
    const message = (...argv: string[]) => {
      try {
        parse(...argv);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('no usage error');
    };
    assert.equal(message('contacts', '--dir', 'alice'), '--dir is a global option: put it before the command (graphchat --dir alice contacts)');
    assert.equal(message('contacts', '--dir=alice'), '--dir is a global option: put it before the command (graphchat --dir alice contacts)');
    assert.equal(message('contacts', '--json'), '--json is a global option: put it before the command (graphchat --json contacts)');
    assert.match(message('send', 'bob', 'hi', '--passphrase-file', 'my pass'), /\(graphchat --passphrase-file 'my pass' send \.\.\.\)$/);
    assert.match(message('profile', 'new', '--dir', '/tmp/a', '--name', 'x'), /\(graphchat --dir \/tmp\/a profile new \.\.\.\)$/);
    assert.match(message('contacts', '--dir'), /\(graphchat --dir DIR contacts\)$/);
  });

  it('are read past an error, so that --json still asks for the error as JSON', () => {
    const json = (...argv: string[]) => parseArgs(argv, environment).options.json;
    assert.equal(json('--json', 'x'), true);
    assert.equal(json('--dir', '--json', 'x'), false);
    assert.equal(json('--dir', 'd', '--bogus', '--json', 'x'), true);
    assert.equal(json('send', 'bob', '--json'), false);
  });

  it('unknown options, missing values', () => {
    usageError(['--verbose', 'contacts'], /unknown option --verbose/);
    usageError(['--dir'], /--dir needs a value/);
    usageError(['--dir', '--json', 'contacts'], /--dir needs a value/);
    usageError(['--passphrase-file'], /--passphrase-file needs a value/);
    usageError(['--dir=', 'contacts'], /--dir is empty/);
  });

  it('unknown commands', () => {
    usageError(['frobnicate'], /unknown command "frobnicate"/);
  });
});

describe('commands', () => {
  it('init', () => {
    assert.deepEqual(command('init', '--name', 'alice', '--server', 'emp://a@h:1'), {
      name: 'init',
      displayName: 'alice',
      servers: ['emp://a@h:1'],
      fullName: null,
      sessionPerConnection: false,
      queuesPerRelay: 1,
    });
    assert.deepEqual(command('init', '--server', 's1', '--full-name', 'Alice A', '--server=s2', '--name', 'alice'), {
      name: 'init',
      displayName: 'alice',
      servers: ['s1', 's2'],
      fullName: 'Alice A',
      sessionPerConnection: false,
      queuesPerRelay: 1,
    });
    assert.equal((command('init', '--name', 'a', '--server', 's', '--session-per-connection') as { sessionPerConnection: boolean }).sessionPerConnection, true);
    usageError(['init', '--server', 's'], /--name NAME is required/);
    usageError(['init', '--name', 'a'], /at least one --server/);
    usageError(['init', '--name', 'a', '--name', 'b', '--server', 's'], /--name given more than once/);
    usageError(['init', '--name', '--server', 's'], /--name needs a value/);
    usageError(['init', '--name', ' ', '--server', 's'], /--name is empty/);
    usageError(['init', '--name', 'a', '--server', 's', 'extra'], /unexpected argument "extra"/);
    usageError(['init', '--name', 'a', '--server', 's', '--qr'], /unknown option --qr/);
  });

  it('invite', () => {
    assert.deepEqual(command('invite'), { name: 'invite', qr: false, offTheRecord: false });
    assert.deepEqual(command('invite', '--qr'), { name: 'invite', qr: true, offTheRecord: false });
    assert.deepEqual(command('invite', '--otr'), { name: 'invite', qr: false, offTheRecord: true });
    assert.deepEqual(command('otr', 'on', 'bob'), { name: 'otr', action: 'on', contact: 'bob' });
    assert.deepEqual(command('otr', 'accept', 'bob'), { name: 'otr', action: 'accept', contact: 'bob' });
    assert.throws(() => command('otr', 'maybe', 'bob'), /on, off or accept/);
    assert.throws(() => command('otr', 'on'), /CONTACT/);
    usageError(['invite', 'x'], /unexpected argument/);
  });

  it('connect', () => {
    assert.deepEqual(command('connect', 'graphchat:x#y'), { name: 'connect', link: 'graphchat:x#y', scanned: false });
    assert.deepEqual(command('connect', '--scanned', 'L'), { name: 'connect', link: 'L', scanned: true });
    assert.deepEqual(command('connect', 'L', '--scanned'), { name: 'connect', link: 'L', scanned: true });
    usageError(['connect'], /missing LINK/);
    usageError(['connect', 'a', 'b'], /unexpected argument "b"/);
  });

  it('contacts and chat take nothing (but contacts --all)', () => {
    assert.deepEqual(command('contacts'), { name: 'contacts', all: false });
    assert.deepEqual(command('contacts', '--all'), { name: 'contacts', all: true });
    usageError(['chat', '--all'], /chat: unknown option --all/);
    assert.deepEqual(command('chat'), { name: 'chat' });
    usageError(['contacts', 'x'], /unexpected argument/);
  });

  it('send: contact and text; several words join; -- ends the options', () => {
    assert.deepEqual(command('send', 'bob', 'hello there'), { name: 'send', contact: 'bob', text: 'hello there' });
    assert.deepEqual(command('send', 'bob', 'hello', 'there'), { name: 'send', contact: 'bob', text: 'hello there' });
    assert.deepEqual(command('send', 'bob', '--', '--not-a-flag'), { name: 'send', contact: 'bob', text: '--not-a-flag' });
    assert.deepEqual(command('send', 'bob', '-'), { name: 'send', contact: 'bob', text: '-' });
    usageError(['send', 'bob'], /missing TEXT/);
    usageError(['send'], /missing CONTACT/);
    usageError(['send', 'bob', ''], /TEXT is empty/);
    usageError(['send', 'bob', '--loud', 'x'], /unknown option --loud/);
  });

  it('sync: timeout (default 30 s) and idle (default 1 s)', () => {
    assert.deepEqual(command('sync'), { name: 'sync', timeoutSeconds: 30, idleSeconds: 1 });
    assert.deepEqual(command('sync', '--timeout', '5'), { name: 'sync', timeoutSeconds: 5, idleSeconds: 1 });
    assert.deepEqual(command('sync', '--timeout=2.5', '--idle', '0.2'), { name: 'sync', timeoutSeconds: 2.5, idleSeconds: 0.2 });
    usageError(['sync', '--timeout', 'soon'], /--timeout needs a positive number of seconds/);
    usageError(['sync', '--timeout', '0'], /positive/);
    usageError(['sync', '--timeout', '-3'], /--timeout needs a value/);
    usageError(['sync', '--timeout'], /--timeout needs a value/);
  });

  it('history and code', () => {
    assert.deepEqual(command('history', 'bob'), { name: 'history', contact: 'bob' });
    assert.deepEqual(command('code', 'bob'), { name: 'code', contact: 'bob', qr: false });
    assert.deepEqual(command('contact', 'bob'), { name: 'contact', contact: 'bob' });
    assert.equal((command('init', '--name', 'a', '--server', 'emp://x@h:1', '--queues-per-relay', '2') as { queuesPerRelay: number }).queuesPerRelay, 2);
    usageError(['init', '--name', 'a', '--server', 'emp://x@h:1', '--queues-per-relay', '5'], /--queues-per-relay is 1 to 4/);
    assert.deepEqual(command('code', 'bob', '--qr'), { name: 'code', contact: 'bob', qr: true });
    usageError(['history'], /missing CONTACT/);
    usageError(['code', 'a', 'b'], /unexpected argument/);
  });

  it('relays, relays add/remove, rotate, rekey, profile rotation (issue 13)', () => {
    assert.deepEqual(command('relays'), { name: 'relays' });
    assert.deepEqual(command('relays', 'add', 'emp://x@h:1'), { name: 'relays-add', address: 'emp://x@h:1' });
    assert.deepEqual(command('relays', 'remove', 'emp://x@h:1'), { name: 'relays-remove', address: 'emp://x@h:1' });
    usageError(['relays', 'add'], /missing ADDR/);
    usageError(['relays', 'remove', 'a', 'b'], /unexpected argument/);
    usageError(['relays', 'list'], /unknown subcommand "list" \(add or remove\)/);
    assert.deepEqual(command('rotate', 'bob'), { name: 'rotate', contact: 'bob' });
    assert.deepEqual(command('rekey', 'bob'), { name: 'rekey', contact: 'bob' });
    usageError(['rekey'], /missing CONTACT/);
    assert.deepEqual(command('profile', 'rotation'), { name: 'profile-rotation', periodMs: null });
    assert.deepEqual(command('profile', 'rotation', '12h'), { name: 'profile-rotation', periodMs: 43_200_000 });
    assert.deepEqual(command('profile', 'rotation', 'off'), { name: 'profile-rotation', periodMs: 0 });
    usageError(['profile', 'rotation', 'often'], /not a duration/);
  });

  it('verify: the code as one argument or several', () => {
    assert.deepEqual(command('verify', 'bob', '12345 67890'), { name: 'verify', contact: 'bob', code: '12345 67890' });
    assert.deepEqual(command('verify', 'bob', '12345', '67890'), { name: 'verify', contact: 'bob', code: '12345 67890' });
    usageError(['verify', 'bob'], /missing CODE/);
  });

  it('profile: show or edit', () => {
    assert.deepEqual(command('profile'), { name: 'profile', displayName: null, fullName: null, status: null, image: null });
    assert.deepEqual(command('profile', '--name', 'al', '--full-name', '', '--status', 'away', '--image', 'me.png'), {
      name: 'profile',
      displayName: 'al',
      fullName: '',
      status: 'away',
      image: 'me.png',
    });
    usageError(['profile', '--name', ''], /--name is empty/);
  });

  it('address, accept, decline', () => {
    assert.deepEqual(command('address'), { name: 'address', qr: false });
    assert.deepEqual(command('address', '--qr'), { name: 'address', qr: true });
    assert.deepEqual(command('accept', 'bob'), { name: 'accept', contact: 'bob' });
    assert.deepEqual(command('decline', 'c1'), { name: 'decline', contact: 'c1' });
    usageError(['address', 'x'], /address: unexpected argument "x"/);
    usageError(['accept'], /accept: missing CONTACT/);
    usageError(['decline', 'a', 'b'], /unexpected argument "b"/);
    usageError(['accept', '--qr', 'bob'], /unknown option --qr/);
  });

  it('profile new: --name required, servers optional, --session-per-connection', () => {
    assert.deepEqual(command('profile', 'new', '--name', 'work'), {
      name: 'profile-new',
      displayName: 'work',
      servers: [],
      fullName: null,
      sessionPerConnection: false,
      queuesPerRelay: 1,
    });
    assert.deepEqual(command('profile', 'new', '--session-per-connection', '--name=w', '--server', 's1', '--server', 's2', '--full-name', 'W'), {
      name: 'profile-new',
      displayName: 'w',
      servers: ['s1', 's2'],
      fullName: 'W',
      sessionPerConnection: true,
      queuesPerRelay: 1,
    });
    usageError(['profile', 'new'], /^profile new: --name NAME is required$/);
    usageError(['profile', 'new', '--name', 'w', '--status', 'x'], /profile new: unknown option --status/);
    usageError(['profile', 'new', '--name', 'w', 'extra'], /unexpected argument "extra"/);
  });

  it('profile use ID|NAME; profiles', () => {
    assert.deepEqual(command('profile', 'use', 'work'), { name: 'profile-use', profile: 'work' });
    assert.deepEqual(command('profile', 'use', 'new'), { name: 'profile-use', profile: 'new' });
    usageError(['profile', 'use'], /profile use: missing ID\|NAME/);
    usageError(['profile', 'use', 'a', 'b'], /unexpected argument "b"/);
    usageError(['profile', 'frob'], /profile: unknown subcommand "frob"/);
    usageError(['profile', '--name', 'x', 'new'], /unknown subcommand "new"/);
    assert.deepEqual(command('profiles'), { name: 'profiles' });
    usageError(['profiles', 'x'], /unexpected argument/);
    assert.deepEqual(command('profile', 'new', '--help'), { name: 'help', topic: 'profile' });
    assert.deepEqual(command('profile', 'use', '-h'), { name: 'help', topic: 'profile' });
  });

  it('proof export: CONTACT and --out required, --from and --to optional; proof verify FILE', () => {
    assert.deepEqual(command('proof', 'export', 'bob', '--out', 'p.json'), { name: 'proof-export', contact: 'bob', from: null, to: null, out: 'p.json' });
    assert.deepEqual(command('proof', 'export', '--from=m1', 'bob', '--to', 'm2', '--out', 'p.json'), {
      name: 'proof-export',
      contact: 'bob',
      from: 'm1',
      to: 'm2',
      out: 'p.json',
    });
    assert.deepEqual(command('proof', 'verify', 'p.json'), { name: 'proof-verify', file: 'p.json' });
    usageError(['proof', 'export', 'bob'], /^proof export: --out FILE is required$/);
    usageError(['proof', 'export', '--out', 'p'], /proof export: missing CONTACT/);
    usageError(['proof', 'export', 'bob', '--out', 'p', '--from', ''], /proof export: --from is empty/);
    usageError(['proof', 'export', 'bob', '--out', 'p', '--out', 'q'], /--out given more than once/);
    usageError(['proof', 'verify'], /proof verify: missing FILE/);
    usageError(['proof', 'verify', 'a', 'b'], /unexpected argument "b"/);
    usageError(['proof', 'verify', 'p', '--json'], /--json is a global option: put it before the command/);
    usageError(['proof'], /^proof: missing subcommand \(export or verify\)$/);
    usageError(['proof', 'check', 'p'], /proof: unknown subcommand "check"/);
    assert.deepEqual(command('proof', '--help'), { name: 'help', topic: 'proof' });
    assert.deepEqual(command('proof', 'verify', '-h'), { name: 'help', topic: 'proof' });
  });

  it('help: as a command or as a flag after one', () => {
    assert.deepEqual(command('help'), { name: 'help', topic: null });
    assert.deepEqual(command('help', 'send'), { name: 'help', topic: 'send' });
    assert.deepEqual(command('send', '--help'), { name: 'help', topic: 'send' });
    assert.deepEqual(command('sync', '-h'), { name: 'help', topic: 'sync' });
    usageError(['help', 'nope'], /unknown command "nope"/);
  });
});
