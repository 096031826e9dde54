// Service worker of the browser client: the files of one build, cached at
// install, so the client starts offline. Pages and code come from this
// cache first; a new build (a new version below) replaces the cache once
// no page of the old one is open. Nothing else is cached: messages and
// keys live in IndexedDB, encrypted, never here.
const VERSION = '__VERSION__';
const FILES = __FILES__;
const CACHE = `graphchat-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
});

// The first visit's page is served from the cache too from now on, so it can go offline without a reload.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(caches.match(request, { ignoreSearch: true }).then((cached) => cached ?? fetch(request)));
});
