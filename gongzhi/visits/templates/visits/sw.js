{% load static %}/* Visits service worker (scope /visits/). The 今天 list and the visit form are kept from the last
   time they were opened with a network; the styles and scripts they need are kept on install. */
const CACHE = "gz-visits-{{ version }}";
const ASSETS = ["{% static 'core/app.css' %}", "{% static 'visits/visits.css' %}", "{% static 'visits/offline.js' %}"];
const PAGES = ["/visits/", "/visits/record/"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k.startsWith("gz-visits-") && k !== CACHE).map((k) => caches.delete(k))
  )).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.mode === "navigate" && PAGES.includes(url.pathname)) {
    // Network first; a fresh page replaces the kept one (one copy per page, whatever the query).
    event.respondWith(fetch(req).then((resp) => {
      if (resp.ok && !resp.redirected) {
        const copy = resp.clone();
        caches.open(CACHE).then((c) => c.put(url.pathname, copy));
      }
      return resp;
    }).catch(() => caches.match(url.pathname).then((r) => r || Response.error())));
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((r) => r || fetch(req)));
  }
});
