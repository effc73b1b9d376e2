// The panic button. One touch stores the alert on the phone, sends it at once with the best position
// available within ~1.5 s, and shows which mission has the case. Without network the alert stays on the
// phone (localStorage) and is re-sent — with the same idempotency key, so never twice — whenever the page
// is open and the network returns; meanwhile an SMS with the position already written in is offered.
(function () {
  "use strict";
  var STORE = "embassy.sos.pending";
  var box = document.querySelector("[data-sos]");
  var api = (box && box.dataset.api) || "/api/v1/sos/alerts";

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function pending() { try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; } }
  function keep(alert) { try { localStorage.setItem(STORE, JSON.stringify(alert)); } catch (e) { /* private mode */ } }
  function forget() { try { localStorage.removeItem(STORE); } catch (e) { /* ignore */ } }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
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

  function show(text, cls) {
    if (!box) return;
    var el = box.querySelector("[data-sos-state]");
    el.hidden = false; el.className = "sos-state " + (cls || ""); el.textContent = text;
  }

  function offerSms(alert, reason) {
    if (!box) return;
    var panel = box.querySelector("[data-sos-offline]");
    panel.hidden = false;
    panel.querySelector("[data-sos-offline-text]").textContent = reason;
    var sms = panel.querySelector("[data-sos-sms]");
    if (sms) {
      var where = alert.lat != null ? alert.lat.toFixed(5) + "," + alert.lon.toFixed(5) +
        (alert.accuracy ? " (±" + Math.round(alert.accuracy) + " m)" : "") +
        " https://www.openstreetmap.org/?mlat=" + alert.lat.toFixed(5) + "&mlon=" + alert.lon.toFixed(5)
        : box.dataset.tNolocation;
      var body = box.dataset.tSms + " " + where;
      sms.href = "sms:" + box.dataset.hotline + "?body=" + encodeURIComponent(body);
    }
  }

  var sending = false;
  function send(alert) {
    if (sending) return Promise.resolve(null);
    sending = true;
    return fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(alert)
    }).then(function (r) {
      sending = false;
      if (r.status === 200 || r.status === 201) {
        return r.json().then(function (data) {
          forget();
          show(box ? box.dataset.tSent + " " + data.mission.name + (data.mission.hotline ? " · ☎ " +
            (data.mission.hotline_fallback ? box.dataset.tHq + " " : "") + data.mission.hotline : "") : "", "ok");
          if (box && box.querySelector("[data-sos-offline]")) box.querySelector("[data-sos-offline]").hidden = true;
          window.location.assign(data.url.replace(/^https?:\/\/[^/]+/, ""));
          return data;
        });
      }
      if (r.status === 401 || r.status === 403) { offerSms(alert, box ? box.dataset.tSignin : ""); return null; }
      throw new Error("HTTP " + r.status);
    }).catch(function () {
      sending = false;
      if (box) offerSms(alert, box.dataset.tOffline);
      return null;
    });
  }

  function press(ev) {
    if (ev) ev.preventDefault();
    var existing = pending();
    var alert = existing || { idempotency_key: newKey(), pressed_at: new Date().toISOString() };
    keep(alert);
    if (box) show(box.dataset.tSending, "busy");
    if (alert.lat != null) { send(alert); return; }
    position(1500).then(function (pos) {
      if (pos) { alert.lat = pos.lat; alert.lon = pos.lon; alert.accuracy = pos.accuracy; keep(alert); }
      send(alert);
    });
  }

  function flush() { var a = pending(); if (a && navigator.onLine !== false) send(a); }

  if (box) {
    var form = box.querySelector("[data-sos-form]");
    if (form) form.addEventListener("submit", press);
  }
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  if (pending()) { if (box) show(box.dataset.tSending, "busy"); flush(); }
})();
