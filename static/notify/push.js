// Web Push subscription for the signed-in user: window.embassyPush.subscribe() / .unsubscribe().
// Needs the service worker (/sw.js) to be registered; resolves with the saved subscription JSON.
(function () {
  "use strict";
  var API = "/api/v1/notify";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function send(method, body) {
    return fetch(API + "/push-subscriptions", {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) return r.json().catch(function () { return {}; }).then(function (e) { throw new Error(e.detail || ("HTTP " + r.status)); });
      return r.status === 204 ? null : r.json();
    });
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function subscribe() {
    if (!supported()) return Promise.reject(new Error("push-unsupported"));
    return fetch(API + "/vapid-public-key", { headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("push-unavailable"); return r.json(); })
      .then(function (key) {
        return navigator.serviceWorker.ready.then(function (reg) {
          return reg.pushManager.getSubscription().then(function (existing) {
            return existing || reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
          });
        });
      })
      .then(function (sub) { return send("POST", sub.toJSON()); });
  }

  function unsubscribe() {
    if (!supported()) return Promise.resolve(false);
    return navigator.serviceWorker.ready
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) return false;
        var endpoint = sub.endpoint;
        return sub.unsubscribe().then(function () { return send("DELETE", { endpoint: endpoint }); }).then(function () { return true; });
      });
  }

  window.embassyPush = { supported: supported, subscribe: subscribe, unsubscribe: unsubscribe };
})();
