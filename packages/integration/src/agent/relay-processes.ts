/**
 * Relays as child processes for agent tests: killed with SIGKILL, paused with
 * SIGSTOP, and restarted on the same data directory and port, so that the
 * address (host, port and identity-key fingerprint) stays the same.
 */
import { killHard, portOf, spawnRelay, tempDir, type RelayProcess } from 'graphchat-server/test-support';

export class RelayUnderTest {
  private process: RelayProcess | null;

  private constructor(
    readonly dataDir: string,
    readonly address: string,
    process: RelayProcess,
  ) {
    this.process = process;
  }

  static async start(): Promise<RelayUnderTest> {
    const dataDir = tempDir();
    const process = await spawnRelay(dataDir);
    return new RelayUnderTest(dataDir, process.address, process);
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** SIGKILL: no shutdown; what the relay had committed stays on disk. */
  async kill(): Promise<void> {
    const process = this.process;
    if (process === null) return;
    this.process = null;
    await killHard(process);
  }

  /** Starts the relay again on its data directory and port; the address must come out the same. */
  async restart(): Promise<void> {
    if (this.process !== null) throw new Error('relay is running');
    let lastError: unknown;
    // The port was just freed by a killed process: retry briefly if the bind races.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const process = await spawnRelay(this.dataDir, ['--port', String(portOf(this.address))]);
        if (process.address !== this.address) {
          await killHard(process);
          throw new Error(`relay restarted as ${process.address}, expected ${this.address}`);
        }
        this.process = process;
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw lastError;
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing (a relay that hangs). */
  pause(): void {
    this.process?.child.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.child.kill('SIGCONT');
  }
}
