// The delegate page's service worker, served as /p/{token}/sw.js and scoped to that one personal page
// (Service-Worker-Allowed). Network first, so the page is always as fresh as the network allows; what was loaded
// last is kept in the Cache API and shown when there is no network — above all the pass, which the door scans.
// The live view and the API are never cached (they are live, and the API answers with the link's rights).
const CACHE = "bridgepoint-delegate-v1";
const ASSETS = ["/static/css/personal.css", "/static/css/delegate.css", "/static/js/delegate.js",
                "/static/js/live-client.js", "/static/js/speech-clock.js"];

self.addEventListener("install", (event) => {
  const page = self.registration.scope;  // the personal page itself
  event.waitUntil(caches.open(CACHE)
    .then((cache) => Promise.all([page, ...ASSETS].map((url) => cache.add(new Request(url, {cache: "no-store"}))
      .catch(() => undefined))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/ws/")) return false;
  if (url.pathname.endsWith("/sw.js")) return false;
  const scope = new URL(self.registration.scope);
  return url.pathname.startsWith("/static/") || url.pathname === scope.pathname
    || url.pathname.startsWith(`${scope.pathname}/agenda`);
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone()).catch(() => undefined);
    return response;
  } catch (_) {
    const hit = (await cache.match(request)) || (await cache.match(request, {ignoreSearch: true}));
    return hit || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!cacheable(url)) return;
  event.respondWith(networkFirst(request));
});
