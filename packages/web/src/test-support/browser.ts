/**
 * Real Chromium for the end-to-end tests: Debian's package (installed by
 * .ci/run), driven by playwright-core. Each launch is a separate browser
 * profile (its own IndexedDB), which is what two people on two devices are.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** CHROMIUM overrides the path. */
export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

/** A headless Chromium; with `camera`, a Y4M file it plays as the camera, permission granted. */
export function launchChromium(camera?: string): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-dev-shm-usage'];
  if (camera !== undefined) args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${camera}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
