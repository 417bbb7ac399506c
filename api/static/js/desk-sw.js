// The desk's service worker (served as /desk/sw.js, scope /desk/): keeps the desk page and its scripts so that a
// reload without the link still opens the desk. Network first (the newest page and code whenever the server
// answers), the cache when it does not. The JSON API and the live socket are never cached: the page queues scans
// in IndexedDB itself (desk-offline.js).
const CACHE = "bridgepoint-desk-v1";
const KEEP = ["/static/css/app.css", "/static/css/desk.css", "/static/js/app.js", "/static/js/desk.js",
              "/static/js/desk-offline.js", "/static/js/desk-rules.js", "/static/js/desk-sound.js",
              "/static/js/desk-camera.js", "/static/js/live-client.js", "/static/vendor/htmx.min.js",
              "/static/vendor/zxing/zxing-reader.js", "/static/vendor/zxing/zxing_reader.wasm"];

self.addEventListener("install", (event) => {
  // The API goes straight to the network without waking this worker (static routes: Chromium 123 and later; other
  // browsers skip this and the fetch handler below lets those requests pass): a scan's request saves a hop.
  if (event.addRoutes) {
    event.addRoutes([{condition: {urlPattern: {pathname: "/api/*"}}, source: "network"},
                     {condition: {requestMethod: "post"}, source: "network"}]).catch(() => null);
  }
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(KEEP.map((url) => cache.add(url).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

function kept(url, request) {
  if (url.origin !== self.location.origin || request.method !== "GET") return false;
  if (request.mode === "navigate") return url.pathname.startsWith("/desk/");
  return url.pathname.startsWith("/static/");
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (!kept(url, event.request)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok && response.type === "basic" && !response.redirected) await cache.put(event.request, response.clone());
      return response;
    } catch (e) {
      const hit = await cache.match(event.request, {ignoreVary: true});
      if (hit) return hit;
      throw e;
    }
  })());
});
