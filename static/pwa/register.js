// Registers the service worker (installable app, offline reading, push) and offers "Install app" where the
// browser allows it. Every page works without it.
(function () {
  "use strict";
  var script = document.currentScript;
  var swUrl = (script && script.dataset.sw) || "/sw.js";
  if ("serviceWorker" in navigator) {
    // A page the worker did not serve (the very first visit) is fetched once more by the worker and kept,
    // so that the home page and the panic button open without network from then on.
    var uncontrolled = !navigator.serviceWorker.controller;
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(swUrl, { scope: "/" }).catch(function () { /* the site works without */ });
      if (uncontrolled) {
        navigator.serviceWorker.ready.then(function (registration) {
          if (registration.active) registration.active.postMessage({ type: "warm", path: window.location.pathname });
        });
      }
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
