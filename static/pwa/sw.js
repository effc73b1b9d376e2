/* Smart Embassy service worker — served by the app at /sw.js (scope "/"). The server fills in VERSION (a hash
   of the files below) and the URLs to precache, so every deploy that changes them installs a new worker.

   What is cached (an allow-list; everything else goes to the network untouched):
   - the app shell (PRECACHE): every static file the home page and the SOS pages reference (derived from
     their templates by embassy/citizens/pwa.py), icons, the offline page — cache first;
   - the citizen's home page "/" and the panic button page "/sos/" — network first, the cached copy when
     offline (the citizen's own data on their own phone; deleted when they sign out). A first visit is not
     yet controlled by the worker, so the page asks it to fetch and keep a copy ("warm");
   - country information, advisories, the missions directory and consular services (/layanan/, the missions'
     /perwakilan/…/layanan/ pages) — pages network first with the saved copy
     offline; the advisories JSON stale-while-revalidate.
   Never cached: POSTs, htmx fragments, /api/v1/ (but advisories), the console, sign-in, admin, forms.

   An SOS pressed without network waits in the page (localStorage, sent on "online" and on the next open) and,
   where the browser has Background Sync, also in IndexedDB for the worker's "sos-send" sync: both send it with
   the same idempotency key, so the server stores it once whichever arrives first. */
"use strict";

const VERSION = "__VERSION__";
const PRECACHE = /*__PRECACHE__*/[];
const OFFLINE = "__OFFLINE__";
const ICON = "__ICON__";
const BADGE = "__BADGE__";
const SHELL = "shell-" + VERSION;
const PAGES = "pages-v1";
const INFO = "info-v1";
const SWR_PREFIXES = ["/informasi-negara/", "/api/v1/advisories", "/perwakilan/", "/layanan/"];
const CACHED_PAGES = ["/", "/sos/"];
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

function warm(path) {
  if (!CACHED_PAGES.includes(path)) return Promise.resolve();
  return fetch(path, { credentials: "same-origin" })
    .then((response) => (cacheable(response) ? caches.open(PAGES).then((cache) => cache.put(path, response)) : undefined))
    .catch(() => undefined);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "signout") event.waitUntil(forgetPersonal());
  else if (data.type === "warm" && typeof data.path === "string") event.waitUntil(warm(data.path));
});

// --- SOS pressed offline: Background Sync (static/sos/panic.js writes the same record) ---------------------
const SOS_DB = "embassy-sos";
const SOS_STORE = "pending";

function sosStore(mode, work) {
  return new Promise((resolve) => {
    const open = indexedDB.open(SOS_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(SOS_STORE);
    open.onerror = () => resolve(undefined);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(SOS_STORE, mode);
      const request = work(tx.objectStore(SOS_STORE));
      tx.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
      tx.onerror = () => { db.close(); resolve(undefined); };
    };
  });
}

function sosSendPending() {
  return sosStore("readonly", (store) => store.get("current")).then((item) => {
    if (!item || !item.alert) return undefined;
    return fetch(item.api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": item.csrf || "" },
      body: JSON.stringify(item.alert),
    }).then((response) => {
      if (response.status === 200 || response.status === 201) {
        // Only this press is forgotten: a newer one written meanwhile stays.
        return sosStore("readwrite", (store) => store.get("current")).then((now) => {
          if (now && now.alert && now.alert.idempotency_key === item.alert.idempotency_key) {
            return sosStore("readwrite", (store) => store.delete("current"));
          }
          return undefined;
        }).then(() => self.clients.matchAll({ type: "window" })).then((windows) => {
          windows.forEach((w) => w.postMessage({ type: "sos-sent", key: item.alert.idempotency_key }));
        });
      }
      // Signed out (401/403) or refused: the page explains; a retry would not help. Server trouble: retry.
      if (response.status >= 500) throw new Error("retry");
      return undefined;
    });
  });
}

self.addEventListener("sync", (event) => {
  if (event.tag === "sos-send") event.waitUntil(sosSendPending());
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
  // Once it is on screen, tell the server (the push's delivery receipt; the signed id is the credential).
  const receipt = () => data.receipt ? fetch("/hooks/push-shown/", { method: "POST", body: data.receipt,
    credentials: "omit", keepalive: true }).catch(() => {}) : null;
  event.waitUntil(self.registration.showNotification(data.title || "Smart Embassy", options).then(receipt));
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
