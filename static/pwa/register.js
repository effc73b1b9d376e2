// Registers the service worker (installable app, offline reading, push) and offers "Install app" where the
// browser allows it. Every page works without it.
(function () {
  "use strict";
  var script = document.currentScript;
  var swUrl = (script && script.dataset.sw) || "/sw.js";
  if ("serviceWorker" in navigator) {
    // A page the worker has no copy of (the very first visit, or one reached through a redirect such as the
    // sign-in's, which the worker does not see) is fetched once more by the worker and kept if it is one it
    // keeps, so that the home page and the panic button open without network from then on.
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(swUrl, { scope: "/" }).catch(function () { /* the site works without */ });
      if (!window.caches || window.location.search) return;
      var path = window.location.pathname;
      caches.match(path).then(function (hit) {
        if (hit) return;
        navigator.serviceWorker.ready.then(function (registration) {
          if (registration.active) registration.active.postMessage({ type: "warm", path: path });
        });
      }).catch(function () { /* no cache storage */ });
    });
    // Signing out: the worker forgets the cached pages (the citizen's home page is personal).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form || !form.action || !navigator.serviceWorker.controller) return;
      if (new URL(form.action, window.location.href).pathname === "/keluar/") {
        navigator.serviceWorker.controller.postMessage({ type: "signout" });
      }
    });
  }
  var deferred = null;
  function buttons() { return document.querySelectorAll("[data-install]"); }
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferred = event;
    buttons().forEach(function (b) { b.hidden = false; });
  });
  window.addEventListener("appinstalled", function () {
    deferred = null;
    buttons().forEach(function (b) { b.hidden = true; });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-install]") : null;
    if (!button || !deferred) return;
    deferred.prompt();
    deferred.userChoice.then(function () {
      deferred = null;
      buttons().forEach(function (b) { b.hidden = true; });
    });
  });
})();
