/* Smart Embassy service worker — served by the app at /sw.js (scope "/"). The server fills in VERSION (a hash
   of the files below) and the URLs to precache, so every deploy that changes them installs a new worker.

   What is cached (an allow-list; everything else goes to the network untouched):
   - the app shell (PRECACHE): base CSS/JS, htmx, icons, the offline page — cache first;
   - the citizen's home page "/" — network first, the cached copy when offline (it is the citizen's own
     data on their own phone; it is deleted when they sign out);
   - country information, advisories and the missions directory — pages network first with the saved copy
     offline; the advisories JSON stale-while-revalidate.
   Never cached: POSTs, htmx fragments, /api/v1/ (but advisories), the console, sign-in, admin, forms. */
"use strict";

const VERSION = "__VERSION__";
const PRECACHE = /*__PRECACHE__*/[];
const OFFLINE = "__OFFLINE__";
const ICON = "__ICON__";
const BADGE = "__BADGE__";
const SHELL = "shell-" + VERSION;
const PAGES = "pages-v1";
const INFO = "info-v1";
const SWR_PREFIXES = ["/informasi-negara/", "/api/v1/advisories", "/perwakilan/"];
const CACHED_PAGES = ["/"];
const SIGN_OUT = "/keluar/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function forgetPersonal() {
  return Promise.all([caches.delete(PAGES), caches.delete(INFO)]);
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "signout") event.waitUntil(forgetPersonal());
});

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function offlinePage() {
  return caches.match(OFFLINE).then((page) => page || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } }));
}

function networkFirst(request, store, cacheName = PAGES) {
  return fetch(request)
    .then((response) => {
      if (store && cacheable(response)) {
        const copy = response.clone();
        caches.open(cacheName).then((cache) => cache.put(request, copy));
      }
      return response;
    })
    .catch(() => caches.match(request, { ignoreVary: true }).then((hit) => hit || offlinePage()));
}

function staleWhileRevalidate(event) {
  const request = event.request;
  return caches.open(INFO).then((cache) => cache.match(request, { ignoreVary: true }).then((hit) => {
    const update = fetch(request).then((response) => {
      if (cacheable(response)) return cache.put(request, response.clone()).then(() => response);
      return response;
    });
    if (hit) {
      event.waitUntil(update.catch(() => undefined));
      return hit;
    }
    return update.catch(() => (request.mode === "navigate" ? offlinePage() : Response.error()));
  }));
}

function cacheFirst(request) {
  return caches.match(request).then((hit) => hit || fetch(request));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === SIGN_OUT) event.waitUntil(forgetPersonal());
    return;
  }
  if (request.headers.get("HX-Request")) return;
  const path = url.pathname;
  if (SWR_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    // Pages: the network when there is one (the language or the advisory may have just changed), the saved
    // copy when offline. Data fetched by scripts: the saved copy at once, refreshed in the background.
    event.respondWith(request.mode === "navigate" ? networkFirst(request, true, INFO) : staleWhileRevalidate(event));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, CACHED_PAGES.includes(path) && !url.search));
  } else if (PRECACHE.includes(path)) {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = { body: event.data.text() }; }
  }
  const options = {
    body: data.body || "",
    icon: ICON,
    badge: BADGE,
    data: Object.assign({}, data.data || {}, { url: data.url || "/" }),
  };
  if (data.tag) options.tag = data.tag;
  event.waitUntil(self.registration.showNotification(data.title || "Smart Embassy", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const same = windows.find((w) => w.url === target.href);
    if (same) return same.focus();
    const ours = windows.find((w) => new URL(w.url).origin === self.location.origin && "navigate" in w);
    if (ours) return ours.focus().then((w) => (w || ours).navigate(target.href));
    return self.clients.openWindow(target.href);
  }));
});
