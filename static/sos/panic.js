// The panic button. One touch keeps the alert on the phone (localStorage, and IndexedDB for the service
// worker's Background Sync where the browser has it), sends it with the best position available within
// ~1.5 s, and opens the case page. Without network — or when no answer comes within a few seconds — the
// first thing on screen is the saved state: "your SOS is saved and will be sent by itself", with an SMS
// (position and map link written in) and a Call button. The alert is re-sent on "online", every 15 s and on
// the next open, always with the same idempotency key, so the server stores it once. "I pressed by mistake"
// takes back a press that has not reached the server (and cancels it on the server if it just did).
(function () {
  "use strict";
  var STORE = "embassy.sos.pending";
  var WAIT_MS = 6000;  // no answer by then: show the saved state (the request carries on)
  var box = document.querySelector("[data-sos]");
  var api = (box && box.dataset.api) || "/api/v1/sos/alerts";

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function pending() { try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; } }
  function keep(alert) { try { localStorage.setItem(STORE, JSON.stringify(alert)); } catch (e) { /* private mode */ } }
  function forget() {
    try { localStorage.removeItem(STORE); } catch (e) { /* ignore */ }
    syncStore(null);
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // The same record for the service worker (static/pwa/sw.js, "sos-send"): it sends it when the network is
  // back even if this page is closed. Written only once a send has failed, so that a press with network is
  // sent once, by the page.
  function syncStore(alert) {
    if (!window.indexedDB) return;
    try {
      var open = indexedDB.open("embassy-sos", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("pending"); };
      open.onsuccess = function () {
        var db = open.result, tx = db.transaction("pending", "readwrite"), store = tx.objectStore("pending");
        if (alert) store.put({ alert: alert, api: api, csrf: csrf() }, "current"); else store.delete("current");
        tx.oncomplete = function () {
          db.close();
          if (alert && navigator.serviceWorker && navigator.serviceWorker.ready) {
            navigator.serviceWorker.ready.then(function (reg) {
              if (reg.sync) return reg.sync.register("sos-send");
            }).catch(function () { /* no Background Sync: the page retries */ });
          }
        };
      };
    } catch (e) { /* no IndexedDB: the page retries */ }
  }

  function position(ms) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      var done = false;
      var timer = setTimeout(function () { done = true; resolve(null); }, ms);
      navigator.geolocation.getCurrentPosition(function (p) {
        if (done) return; done = true; clearTimeout(timer);
        resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy });
      }, function () { if (!done) { done = true; clearTimeout(timer); resolve(null); } },
      { enableHighAccuracy: true, maximumAge: 60000, timeout: ms });
    });
  }

  function part(sel) { return box ? box.querySelector(sel) : null; }

  function show(text, cls) {
    var el = part("[data-sos-state]");
    if (!el) return;
    el.hidden = !text; el.className = "sos-state " + (cls || ""); el.textContent = text || "";
  }

  // GSM-7 basic characters: a text made only of these fits 160 characters in one SMS segment.
  var GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

  function smsBody(alert) {
    var intro = box.dataset.tSms;
    var where = box.dataset.tNolocation;
    if (alert.lat != null) {
      var la = alert.lat.toFixed(5), lo = alert.lon.toFixed(5);
      where = la + "," + lo + (alert.accuracy ? " (+/-" + Math.round(alert.accuracy) + " m)" : "") +
        " https://osm.org/?mlat=" + la + "&mlon=" + lo;
    }
    var body = intro + " " + where;
    var name = (box.dataset.name || "").trim();
    var named = name + ": " + body;
    // The name when the message still fits one segment with it.
    if (name && GSM.test(named) && named.length <= 160) return named;
    return body;
  }

  function updateSms(alert) {
    var sms = part("[data-sos-sms]");
    // The mission's SMS number that lands in the duty queue when it has one, else the hotline (data-sms-number).
    var number = box.dataset.smsNumber || box.dataset.hotline;
    if (sms && number) sms.href = "sms:" + number + "?body=" + encodeURIComponent(smsBody(alert));
  }

  var savedShown = false;
  function saved(alert, reason) {
    var panel = part("[data-sos-offline]");
    if (!panel) return;
    show("", "");
    panel.hidden = false;
    panel.querySelector("[data-sos-offline-text]").textContent = reason;
    updateSms(alert);
    syncStore(alert);
    if (!savedShown) {
      savedShown = true;
      if (panel.scrollIntoView) panel.scrollIntoView({ block: "start" });
      panel.focus({ preventScroll: true });
    }
  }
  function hideSaved() { var panel = part("[data-sos-offline]"); if (panel) panel.hidden = true; savedShown = false; }

  var sending = false, takenBack = false, watchdog = null;
  function send(alert) {
    if (sending) return;
    sending = true;
    if (box) { clearTimeout(watchdog); watchdog = setTimeout(function () { if (sending && pending()) saved(alert, box.dataset.tOffline); }, WAIT_MS); }
    fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(alert)
    }).then(function (r) {
      if (r.status === 200 || r.status === 201) {
        return r.json().then(function (data) {
          sending = false; clearTimeout(watchdog);
          var current = pending();
          if (current && current.idempotency_key === alert.idempotency_key) forget();
          if (takenBack) { cancelOnServer(data); return; }
          hideSaved();
          if (box) show(box.dataset.tSent + " " + data.mission.name, "ok");
          window.location.assign(data.url.replace(/^https?:\/\/[^/]+/, ""));
        });
      }
      sending = false; clearTimeout(watchdog);
      if (r.status === 401 || r.status === 403) { if (box && pending()) saved(alert, box.dataset.tSignin); return; }
      throw new Error("HTTP " + r.status);
    }).catch(function () {
      sending = false; clearTimeout(watchdog);
      if (box && pending()) saved(alert, box.dataset.tOffline);
    });
  }

  // Pressed by mistake, and the press reached the server just now: close the case there too.
  function cancelOnServer(data) {
    var url = box.dataset.cancelApi.replace(/\/0\/cancel$/, "/" + data.id + "/cancel");
    fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() } })
      .then(function () { window.location.assign(data.url.replace(/^https?:\/\/[^/]+/, "")); })
      .catch(function () { window.location.assign(data.url.replace(/^https?:\/\/[^/]+/, "")); });
  }

  function press(ev) {
    if (ev) ev.preventDefault();
    takenBack = false;
    var alert = pending() || { idempotency_key: newKey(), pressed_at: new Date().toISOString() };
    keep(alert);
    if (!box) { send(alert); return; }
    if (navigator.onLine === false) saved(alert, box.dataset.tOffline);  // at once: never "Sending…" offline
    else show(box.dataset.tSending, "busy");
    var go = function () { if (navigator.onLine !== false) send(alert); };
    if (alert.lat != null) { updateSms(alert); go(); return; }
    position(1500).then(function (pos) {
      if (pos && !takenBack) {
        alert.lat = pos.lat; alert.lon = pos.lon; alert.accuracy = pos.accuracy;
        if (pending()) { keep(alert); if (savedShown) syncStore(alert); }
        updateSms(alert);
      }
      if (!takenBack) go();
    });
  }

  function mistake() {
    takenBack = true;
    forget();
    hideSaved();
    show(box.dataset.tDropped, "ok");
  }

  function flush() { var a = pending(); if (a && navigator.onLine !== false) send(a); }

  if (box) {
    var form = box.querySelector("[data-sos-form]");
    if (form) form.addEventListener("submit", press);
    box.dataset.ready = "1";  // the press is handled by this script from now on (benchmarks and tests wait for it)
    var undo = box.querySelector("[data-sos-mistake]");
    if (undo) undo.addEventListener("click", mistake);
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { var a = pending(); if (a && box) saved(a, box.dataset.tOffline); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      // The worker sent it (Background Sync): the page's copy is the same press, already stored.
      if (event.data && event.data.type === "sos-sent") flush();
    });
  }
  setInterval(flush, 15000);
  var waiting = pending();
  if (waiting) {
    if (box && navigator.onLine === false) saved(waiting, box.dataset.tOffline);
    else if (box) show(box.dataset.tSending, "busy");
    flush();
  }
})();
