// Relay configuration: parseConfig (flags, environment, defaults, errors) and
// the graphchat-server command line itself, run as a child process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { createQueue, parseRelayAddress, RelayClient } from '@graphchat/core';
import { ConfigError, DEFAULT_CONFIG, HELP, parseConfig, type RelayConfig } from './config.js';
import { crypto, tempDir, webSocket } from './test-support/harness.js';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

/** Every variable the relay reads, so the environment this test runs in can't leak into it. */
const VARIABLES = ['PORT', 'BIND', 'HOST', 'PUBLIC_PORT', 'TLS', 'DATA_DIR', 'PASSWORD', 'MESSAGE_TTL_DAYS', 'QUEUE_QUOTA', 'MAX_SUBSCRIPTIONS', 'SYNC', 'LOG_LEVEL', 'WEB_DIR', 'ALLOW_OPEN_DATA_DIR',
  'MAX_STORE_MB', 'MAX_QUEUES_PER_SESSION', 'SESSION_QUEUE_BURST', 'SESSION_QUEUE_RATE', 'ADDRESS_QUEUE_BURST', 'ADDRESS_QUEUE_RATE',
  'MAX_CONNECTIONS', 'MAX_CONNECTIONS_PER_ADDRESS', 'MAX_HTTP_SESSIONS', 'MAX_HTTP_SESSIONS_PER_ADDRESS', 'HTTP_UNUSED_SESSION_SECONDS', 'TRUST_PROXY',
  'ADDRESS_SEND_BURST_KB', 'ADDRESS_SEND_RATE_KB', 'ADDRESS_STORE_PERCENT', 'IPV6_PREFIX'];
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of VARIABLES) delete env[name];
  return { ...env, ...extra };
}

function config(argv: string[], env: NodeJS.ProcessEnv = {}): RelayConfig {
  const result = parseConfig(argv, env);
  assert.notEqual(result, 'help');
  return result as RelayConfig;
}

/** Asserts that parsing fails with a ConfigError whose message matches `pattern`. */
function refuses(argv: string[], env: NodeJS.ProcessEnv, pattern: RegExp): void {
  assert.throws(
    () => parseConfig(argv, env),
    (e: Error) => {
      assert.ok(e instanceof ConfigError, `${e.name}: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
    `${argv.join(' ')} ${JSON.stringify(env)}`,
  );
}

const DAY = 24 * 3600 * 1000;

describe('parseConfig', () => {
  it('gives the defaults with no flags and no variables', () => {
    assert.deepEqual(config([]), DEFAULT_CONFIG);
    assert.equal(DEFAULT_CONFIG.port, 5223);
    assert.equal(DEFAULT_CONFIG.queueQuota, 128);
    assert.equal(DEFAULT_CONFIG.messageTtlMs, 21 * DAY);
    assert.equal(DEFAULT_CONFIG.maxSubscriptions, 100_000);
    assert.equal(DEFAULT_CONFIG.password, '');
    assert.equal(DEFAULT_CONFIG.sync, 'normal');
    assert.equal(DEFAULT_CONFIG.logLevel, 'info');
    assert.equal(DEFAULT_CONFIG.tls, null);
    assert.equal(DEFAULT_CONFIG.publicPort, null);
    assert.equal(DEFAULT_CONFIG.webRoot, null);
  });

  it('reads every option from its environment variable', () => {
    const env = {
      PORT: '8080',
      BIND: '127.0.0.1',
      HOST: 'relay.example.org',
      PUBLIC_PORT: '443',
      TLS: '1',
      DATA_DIR: '/var/lib/relay',
      PASSWORD: 's3cret',
      MESSAGE_TTL_DAYS: '7',
      QUEUE_QUOTA: '10',
      MAX_SUBSCRIPTIONS: '500',
      SYNC: 'full',
      LOG_LEVEL: 'debug',
      WEB_DIR: 'packages/web/dist/public',
      ALLOW_OPEN_DATA_DIR: '1',
    };
    assert.deepEqual(config([], env), {
      ...DEFAULT_CONFIG,
      port: 8080,
      bind: '127.0.0.1',
      host: 'relay.example.org',
      publicPort: 443,
      tls: true,
      dataDir: '/var/lib/relay',
      password: 's3cret',
      messageTtlMs: 7 * DAY,
      queueQuota: 10,
      maxSubscriptions: 500,
      sync: 'full',
      logLevel: 'debug',
      webRoot: 'packages/web/dist/public',
      allowOpenDataDir: true,
    });
  });

  it('lets flags override variables', () => {
    const env = { PORT: '8080', HOST: 'env.example', TLS: '1', PASSWORD: 'from-env', QUEUE_QUOTA: '10', SYNC: 'full', LOG_LEVEL: 'debug', MESSAGE_TTL_DAYS: '7', WEB_DIR: '/env/web' };
    const c = config(
      ['--allow-open-data-dir', '--port', '9090', '--host', 'flag.example', '--tls', '0', '--password', 'from-flag', '--queue-quota', '20', '--sync', 'normal', '--log-level', 'warn', '--message-ttl-days', '1', '--max-subscriptions', '3', '--public-port', '8443', '--bind', '::1', '--data-dir', '/tmp/x', '--web', '/flag/web'],
      env,
    );
    assert.deepEqual(c, {
      ...DEFAULT_CONFIG,
      port: 9090,
      host: 'flag.example',
      tls: false,
      password: 'from-flag',
      queueQuota: 20,
      sync: 'normal',
      logLevel: 'warn',
      messageTtlMs: DAY,
      maxSubscriptions: 3,
      publicPort: 8443,
      bind: '::1',
      dataDir: '/tmp/x',
      webRoot: '/flag/web',
      allowOpenDataDir: true,
    });
    assert.equal(config([], { ALLOW_OPEN_DATA_DIR: '0' }).allowOpenDataDir, false);
    refuses([], { ALLOW_OPEN_DATA_DIR: 'yes' }, /ALLOW_OPEN_DATA_DIR/);
    assert.equal(config([]).allowPrivateDestinations, false, 'a forwarding relay refuses private destinations by default');
    assert.equal(config(['--allow-private-destinations']).allowPrivateDestinations, true);
    assert.equal(config([], { ALLOW_PRIVATE_DESTINATIONS: '1' }).allowPrivateDestinations, true);
    refuses([], { ALLOW_PRIVATE_DESTINATIONS: 'yes' }, /ALLOW_PRIVATE_DESTINATIONS/);
    assert.equal(config(['--port=7000'], { PORT: '8080' }).port, 7000, '--flag=value form');
  });

  it('reads the limits on strangers from flags and variables; 0 turns a limit off', () => {
    const MIB = 1024 * 1024;
    const env = {
      MAX_STORE_MB: '64',
      MAX_QUEUES_PER_SESSION: '5',
      SESSION_QUEUE_BURST: '6',
      SESSION_QUEUE_RATE: '7',
      ADDRESS_QUEUE_BURST: '8',
      ADDRESS_QUEUE_RATE: '9',
      MAX_CONNECTIONS: '10',
      MAX_CONNECTIONS_PER_ADDRESS: '11',
      MAX_HTTP_SESSIONS: '12',
      MAX_HTTP_SESSIONS_PER_ADDRESS: '13',
      HTTP_UNUSED_SESSION_SECONDS: '14',
      TRUST_PROXY: '1',
      ADDRESS_SEND_BURST_KB: '32',
      ADDRESS_SEND_RATE_KB: '64',
      ADDRESS_STORE_PERCENT: '5',
      IPV6_PREFIX: '48',
    };
    assert.deepEqual(config([], env), {
      ...DEFAULT_CONFIG,
      maxStoreBytes: 64 * MIB,
      maxQueuesPerSession: 5,
      sessionQueueRate: { burst: 6, perMinute: 7 },
      addressQueueRate: { burst: 8, perMinute: 9 },
      maxConnections: 10,
      maxConnectionsPerAddress: 11,
      maxHttpSessions: 12,
      maxHttpSessionsPerAddress: 13,
      httpUnusedSessionMs: 14_000,
      trustProxy: true,
      addressSendRate: { burst: 32 * 1024, perMinute: 64 * 1024 },
      addressStorePercent: 5,
      ipv6Prefix: 48,
    });
    const flags = config(['--max-store-mb', '0', '--max-queues-per-session', '0', '--session-queue-burst', '0', '--address-queue-burst', '0', '--max-connections', '0', '--max-connections-per-address', '0', '--max-http-sessions-per-address', '0', '--trust-proxy', '0'], env);
    assert.equal(flags.maxStoreBytes, 0);
    assert.equal(flags.maxQueuesPerSession, 0);
    assert.equal(flags.sessionQueueRate.burst, 0);
    assert.equal(flags.addressQueueRate.burst, 0);
    assert.equal(flags.maxConnections, 0);
    assert.equal(flags.maxConnectionsPerAddress, 0);
    assert.equal(flags.maxHttpSessionsPerAddress, 0);
    assert.equal(flags.trustProxy, false);
    refuses(['--max-http-sessions', '0'], {}, /max HTTP sessions/);
    refuses(['--http-unused-session-seconds', '0'], {}, /HTTP unused session seconds/);
    refuses(['--trust-proxy', 'yes'], {}, /trust proxy/);
    refuses([], { MAX_STORE_MB: '-1' }, /max store MiB/);
  });

  it('treats an empty variable as unset', () => {
    assert.deepEqual(config([], { PORT: '', PASSWORD: '', SYNC: '', TLS: '', WEB_DIR: '' }), DEFAULT_CONFIG);
  });

  it('accepts the bounds of each range', () => {
    assert.equal(config(['--port', '0']).port, 0);
    assert.equal(config(['--port', '65535']).port, 65535);
    assert.equal(config(['--message-ttl-days', '3650']).messageTtlMs, 3650 * DAY);
    assert.equal(config(['--queue-quota', '1']).queueQuota, 1);
    assert.equal(config(['--queue-quota', '100000']).queueQuota, 100_000);
    assert.equal(config(['--max-subscriptions', '10000000']).maxSubscriptions, 10_000_000);
    assert.equal(config(['--public-port', '1']).publicPort, 1);
  });

  it('--help and -h give "help", whatever else is given', () => {
    assert.equal(parseConfig(['--help'], {}), 'help');
    assert.equal(parseConfig(['-h'], {}), 'help');
    assert.equal(parseConfig(['--port', '1', '--help'], { PORT: 'nonsense' }), 'help');
  });

  it('refuses invalid values with a ConfigError that names the option', () => {
    refuses(['--port', '70000'], {}, /port/);
    refuses(['--port', '-1'], {}, /port/);
    refuses(['--port', '12.5'], {}, /port/);
    refuses(['--port', 'http'], {}, /port/);
    refuses([], { PORT: '70000' }, /port/);
    refuses(['--public-port', '0'], {}, /public port/);
    refuses(['--sync', 'fast'], {}, /sync/);
    refuses([], { SYNC: 'FULL' }, /sync/);
    refuses(['--log-level', 'verbose'], {}, /log level/);
    refuses(['--tls', '2'], {}, /tls/);
    refuses(['--host', 'my_host.example'], {}, /host/);
    refuses(['--host', '::1'], {}, /host/);
    refuses([], { HOST: 'a@b' }, /host/);
    refuses(['--tls', 'yes'], {}, /tls/);
    refuses(['--message-ttl-days', '0'], {}, /TTL/);
    refuses(['--queue-quota', '0'], {}, /quota/);
    refuses(['--queue-quota', '100001'], {}, /quota/);
    refuses(['--max-subscriptions', '0'], {}, /subscriptions/);
    // Only plain decimal digits: Number() alone would read " " as 0 (a random port), and take hex and exponents.
    refuses([], { PORT: ' ' }, /port/);
    refuses(['--port', '0x1F90'], {}, /port/);
    refuses(['--port', ' 80'], {}, /port/);
    refuses(['--queue-quota', '1e3'], {}, /quota/);
    refuses([], { MESSAGE_TTL_DAYS: '7.0' }, /TTL/);
    assert.equal(config(['--port', '0080']).port, 80);
  });

  it('refuses unknown flags, missing values and stray arguments', () => {
    refuses(['--bogus'], {}, /bogus/);
    refuses(['--port'], {}, /port/);
    refuses(['--web'], {}, /web/);
    refuses(['--help=yes'], {}, /help/);
    refuses(['relay.example.org'], {}, /relay\.example\.org/);
    refuses(['--bogus'], {}, /--help/);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBin(args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`graphchat-server ${args.join(' ')} did not exit`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, stdout, stderr }));
    });
  });
}

const running = new Set<ReturnType<typeof spawn>>();

/** Starts the relay, resolves with its first stdout line; `stop()` sends SIGTERM and resolves with everything it printed. */
function startBin(args: string[]): Promise<{ address: string; stop: () => Promise<Run> }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString();
      if (!before.includes('\n') && stdout.includes('\n')) {
        resolve({
          address: stdout.slice(0, stdout.indexOf('\n')),
          stop: async () => {
            child.kill('SIGTERM');
            const code = await exited;
            await new Promise((r) => setImmediate(r));
            return { code, stdout, stderr };
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`relay exited with ${code} before printing its address: ${stderr}`)));
  });
}

describe('graphchat-server command line', () => {
  after(() => running.forEach((child) => child.kill('SIGKILL')));

  it('an unknown flag: exit status 2 and one line on stderr', async () => {
    const run = await runBin(['--bogus']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^graphchat-server: .*--bogus.*\n$/);
    assert.equal(run.stderr.split('\n').length, 2, 'exactly one line');
  });

  it('an invalid value: exit status 2 and one line that names the option', async () => {
    const run = await runBin(['--port', '70000']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^graphchat-server: port .*70000.*\n$/);
    const long = await runBin(['--password', 'x'.repeat(256)]);
    assert.equal(long.code, 2);
    assert.match(long.stderr, /^graphchat-server: password .*\n$/);
  });

  it('--help prints the usage and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await runBin([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, HELP);
      assert.match(run.stdout, /^Usage: graphchat-server \[options\]$/m);
      assert.equal(run.stderr, '');
    }
  });

  it('prints exactly one line on stdout: its address, with the host and the password given', async () => {
    const password = 'p@ss w/rd?#%é';
    const relay = await startBin(['--port', '0', '--bind', '127.0.0.1', '--host', '127.0.0.1', '--data-dir', tempDir(), '--password', password, '--log-level', 'error']);
    const address = parseRelayAddress(relay.address);
    assert.equal(address.host, '127.0.0.1');
    assert.equal(address.password, password);
    assert.equal(address.tls, false);
    assert.ok(address.port > 0 && address.port !== 443);
    // The address works: the relay's key matches the fingerprint, and the password creates queues.
    const client = await RelayClient.connect(address, { crypto, webSocket, timeoutMs: 5000 });
    await createQueue(client, crypto, password);
    await assert.rejects(createQueue(client, crypto, 'wrong'));
    client.close();
    const run = await relay.stop();
    assert.equal(run.code, 0, 'SIGTERM stops it cleanly');
    assert.equal(run.stdout, `${relay.address}\n`);
  });

  it('with --web, serves the web client and prints its URL on a second line, after the address', async () => {
    const web = tempDir();
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>web</title>');
    const relay = await startBin(['--port', '0', '--bind', '127.0.0.1', '--host', '127.0.0.1', '--data-dir', tempDir(), '--log-level', 'error', '--web', web]);
    const { port } = parseRelayAddress(relay.address);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await page.text(), '<!doctype html><title>web</title>');
    const run = await relay.stop();
    assert.equal(run.stdout, `${relay.address}\nopen the web client: http://127.0.0.1:${port}/\n`);
  });

  it('a --web directory that does not exist: exit status 2 and one line that names the option', async () => {
    const missing = join(tempDir(), 'missing');
    const run = await runBin(['--port', '0', '--bind', '127.0.0.1', '--data-dir', tempDir(), '--web', missing]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^graphchat-server: web root .*\n$/);
    assert.ok(run.stderr.includes(missing));
  });

  it('puts the public host, port and TLS in the address when a proxy fronts it', async () => {
    const relay = await startBin(['--port', '0', '--bind', '127.0.0.1', '--host', 'relay.example.org', '--public-port', '443', '--data-dir', tempDir(), '--log-level', 'error']);
    const address = parseRelayAddress(relay.address);
    assert.equal(address.host, 'relay.example.org');
    assert.equal(address.port, 443);
    assert.equal(address.tls, true);
    assert.equal(address.password, '');
    assert.match(relay.address, /^emp:\/\/[A-Za-z0-9_-]{43}@relay\.example\.org$/);
    const run = await relay.stop();
    assert.equal(run.stdout, `${relay.address}\n`);
  });
});
