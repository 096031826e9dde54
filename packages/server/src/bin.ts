import { ConfigError, HELP, parseConfig } from './config.js';
import { startRelay } from './server.js';

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const relay = await startRelay(config);
  process.stdout.write(`${relay.address}\n`);
  // Only after the address: scripts and tests take the first line of stdout as the address.
  if (relay.webUrl !== null) process.stdout.write(`open the web client: ${relay.webUrl}\n`);
  process.stderr.write(`graphchat relay listening on ${config.bind}:${relay.port} (data in ${config.dataDir})\n`);
  const stop = () => void relay.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`graphchat-server: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
