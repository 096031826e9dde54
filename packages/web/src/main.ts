/** Entry point of the browser client: offline start (service worker), then unlock, then the app. */
import { startApp } from './ui/app.js';
import { unlockScreen } from './ui/unlock.js';

if ('serviceWorker' in navigator) void navigator.serviceWorker.register('sw.js').catch(() => {});

const root = document.getElementById('app')!;
unlockScreen(root, (session) => startApp(root, session)).catch((error: unknown) => {
  // IndexedDB blocked or missing (some private modes): say so rather than load forever.
  root.textContent = `graphchat cannot start in this browser: ${error instanceof Error ? error.message : String(error)}`;
});
