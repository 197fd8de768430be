/* Suthra service worker. Served by suthra.pwa.views.service_worker at /sw.js, which prepends
 * `const SUTHRA_SW = {...}` (version, files to precache, which pages to keep for offline use).
 *
 * - Static files: cache first (their names carry a content hash in production).
 * - Pages: network first; the worklist and visit pages are also kept, so they open offline.
 *   A slow network falls back to the kept copy after a few seconds.
 * - POSTs are never touched here: the page queues visits itself (offline-queue.js).
 * - Kept pages are private: they are deleted when the login page is shown (logout, expired
 *   session, another user).
 */
/* global SUTHRA_SW */
"use strict";

const CFG = SUTHRA_SW;
const SHELL = "suthra-shell-" + CFG.version;
// Static files of this version (file names carry a content hash in production); older
// versions' copies are dropped when a new worker takes over.
const STATIC = "suthra-static-" + CFG.version;
const PAGES = "suthra-pages";
const SLOW_PAGE_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(CFG.precache))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => /^suthra-(shell|static)-/.test(k) && k !== SHELL && k !== STATIC)
            .map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function keepable(url) {
  if (CFG.pageExact.includes(url.pathname)) return true;
  return CFG.pagePrefixes.some((p) => url.pathname.startsWith(p));
}

async function fromCache(request, url) {
  const hit = await caches.match(request, { ignoreVary: true });
  if (hit || !CFG.pageExact.includes(url.pathname)) return hit;
  // Lists (worklist, queue) may open with another query; a visit form never does (wrong unit).
  return caches.match(request, { ignoreVary: true, ignoreSearch: true });
}

async function staticFirst(request) {
  const hit = await caches.match(request);
  // Development (DEBUG): file names carry no hash, so ask the server first.
  if (hit && CFG.staticCacheFirst) return hit;
  if (hit) return fetch(request).catch(() => hit);
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(STATIC).then((cache) => cache.put(request, copy));
  }
  return response;
}

// The scripts and styles a kept page uses (e.g. the visit form's GPS script), so it works
// offline even if it was never opened online.
async function keepAssets(html) {
  const cache = await caches.open(STATIC);
  const pattern = /(?:src|href)="([^"]+)"/g;
  let match;
  while ((match = pattern.exec(html)) !== null) {
    const url = new URL(match[1].replace(/&amp;/g, "&"), self.location.origin);
    if (url.origin !== self.location.origin || !url.pathname.startsWith(CFG.staticPrefix)) continue;
    if (await caches.match(url.href)) continue;
    try {
      const response = await fetch(url.href, { headers: { "X-Suthra-Prefetch": "offline" } });
      if (response.ok) await cache.put(url.href, response);
    } catch (err) {
      return;
    }
  }
}

async function clearPages() {
  await caches.delete(PAGES);
}

async function savePage(request, response) {
  const cache = await caches.open(PAGES);
  await cache.put(request, response);
}

async function pageNetworkFirst(event, url) {
  const request = event.request;
  const network = fetch(request).then(async (response) => {
    const finalPath = response.url ? new URL(response.url).pathname : url.pathname;
    if (finalPath === CFG.loginPath) {
      // Logged out, session expired or another person: forget the kept private pages.
      await clearPages();
    } else if (response.ok && !response.redirected && keepable(url)) {
      await savePage(request, response.clone());
    }
    return response;
  });
  const cached = keepable(url) ? fromCache(request, url) : Promise.resolve(undefined);
  // A slow network: answer from the kept copy if there is one; the fetch still refreshes it.
  const slow = new Promise((resolve) => setTimeout(resolve, SLOW_PAGE_MS)).then(() => cached);
  try {
    const first = await Promise.race([network, slow]);
    if (first) {
      event.waitUntil(network.catch(() => undefined));
      return first;
    }
    return await network;
  } catch (err) {
    const hit = await cached;
    if (hit) return hit;
    const offline = await caches.match(CFG.offlineUrl);
    return offline || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(CFG.staticPrefix)) {
    event.respondWith(staticFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(pageNetworkFirst(event, url));
  }
});

// Messages from the pages (pwa.js):
//   {type: "keep", urls: [...]}  fetch these pages now and keep them for offline use;
//   {type: "forget"}             delete the kept pages.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(
      (async () => {
        const cache = await caches.open(PAGES);
        for (const href of data.urls.slice(0, 60)) {
          const url = new URL(href, self.location.origin);
          if (url.origin !== self.location.origin || !keepable(url)) continue;
          // A visit form does not change: fetch it once (lists are refreshed every time).
          const exact = CFG.pageExact.includes(url.pathname);
          const kept = exact ? undefined : await cache.match(url.href, { ignoreVary: true });
          if (kept) {
            await keepAssets(await kept.text()); // its scripts may be gone after an update
            continue;
          }
          try {
            const response = await fetch(url.href, {
              credentials: "same-origin",
              headers: { "X-Suthra-Prefetch": "offline" },
            });
            if (!response.ok || response.redirected) continue;
            await cache.put(url.href, response.clone());
            await keepAssets(await response.text());
          } catch (err) {
            return; // offline again: keep what we have
          }
        }
      })(),
    );
  } else if (data.type === "forget") {
    event.waitUntil(clearPages());
  }
});
