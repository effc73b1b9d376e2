// Duty-officer console: the queue refreshes itself (htmx polls every second); this module rings and
// shows a browser notification when a new unacknowledged case appears, keeps ages and service-level
// colours current, and draws the maps (queue: every open case; case page: position, accuracy, trail).
(function () {
  "use strict";
  var SEEN = "embassy.sos.seenTop";
  var CHOICE = "embassy.sos.alerts";  // "on" | "off": the officer's choice, kept on this device
  var audio = null;

  function choice() { try { return localStorage.getItem(CHOICE) || ""; } catch (e) { return ""; } }
  function choose(value) { try { localStorage.setItem(CHOICE, value); } catch (e) { /* private mode */ } }

  function beep() {
    if (choice() === "off") return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35, 0.7].forEach(function (t) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = 880; o.connect(g); g.connect(audio.destination);
        g.gain.setValueAtTime(0.25, audio.currentTime + t); g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + t + 0.3);
        o.start(audio.currentTime + t); o.stop(audio.currentTime + t + 0.3);
      });
    } catch (e) { /* no audio */ }
  }

  function notify(queue) {
    if (choice() === "off" || !("Notification" in window) || Notification.permission !== "granted") return;
    var row = queue.querySelector(".case-row.new");
    var n = new Notification(queue.dataset.tNew || "SOS", { body: row ? row.textContent.replace(/\s+/g, " ").trim() : "", tag: "sos-" + queue.dataset.topId, requireInteraction: true });
    n.onclick = function () { window.focus(); if (row) window.location.assign(row.querySelector("a").href); };
  }

  function checkQueue() {
    var queue = document.getElementById("queue");
    if (!queue) return;
    var top = parseInt(queue.dataset.topId || "0", 10);
    var seen = parseInt(sessionStorage.getItem(SEEN) || "-1", 10);
    if (seen >= 0 && top > seen) { beep(); notify(queue); document.title = "(" + queue.dataset.newCount + ") SOS"; }
    if (top > seen) sessionStorage.setItem(SEEN, String(top));
    if (queueMap) queueMap.refresh();
  }

  // Sound and notifications: the choice is remembered. Restored on reload; a browser lets sound start only
  // after a touch or key press on the page, so the first one wakes it; notifications only while the
  // permission is still granted.
  var btn = document.querySelector("[data-enable-alerts]");
  function render() {
    if (!btn) return;
    var on = choice() === "on";
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.textContent = on ? btn.dataset.tOn : btn.dataset.tOff;
    btn.classList.toggle("primary", on);
    var state = document.querySelector("[data-alerts-state]");
    if (state) {
      var denied = on && "Notification" in window && Notification.permission !== "granted";
      state.textContent = denied ? state.dataset.tNoNotifications : "";
    }
  }
  function wake() {
    if (choice() !== "on") return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
    } catch (e) { /* no audio */ }
  }
  if (btn) {
    btn.addEventListener("click", function () {
      if (choice() === "on") { choose("off"); render(); return; }
      choose("on");
      beep();
      if ("Notification" in window && Notification.permission === "default") {
        Promise.resolve(Notification.requestPermission()).then(render, render);
      }
      render();
    });
    render();
  }
  ["pointerdown", "keydown"].forEach(function (type) { document.addEventListener(type, wake, { once: true, capture: true }); });

  // Ages and service-level colours move on even when nothing else changes.
  function ages() {
    var now = Date.now();
    document.querySelectorAll("time[data-age]").forEach(function (t) {
      var s = Math.max(0, Math.round((now - Date.parse(t.getAttribute("datetime"))) / 1000));
      t.textContent = s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min" : s < 86400 ? Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min" : Math.floor(s / 86400) + " d";
    });
    document.querySelectorAll(".case-row.new[data-waiting]").forEach(function (row) {
      var age = (now - Date.parse(row.dataset.waiting)) / 1000;
      var limits = row.closest("[data-sla-red]");  // the server's service levels (SOS_* settings), in seconds
      if (!limits) return;
      var colour = age < +limits.dataset.slaAmber ? "green" : age < +limits.dataset.slaRed ? "amber" : "red";
      row.classList.remove("sla-green", "sla-amber", "sla-red"); row.classList.add("sla-" + colour);
    });
  }
  setInterval(ages, 5000);

  function basemap(el) {
    var map = L.map(el, { worldCopyJump: true }).setView([0, 110], 2);
    // static/maps/basemap.js: street tiles when MAP_TILE_URL is set, else the bundled outlines and place names.
    SEBasemap.add(map, el);
    return map;
  }
  var COLOURS = { green: "#1f8a4c", amber: "#d08a00", red: "#c8102e", grey: "#7b8794" };

  var queueMap = null;
  function initQueueMap() {
    var el = document.querySelector("[data-sos-map]");
    if (!el || !window.L) return;
    var map = basemap(el), layer = L.layerGroup().addTo(map), first = true;
    queueMap = { refresh: function () {
      fetch(el.dataset.points, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
        layer.clearLayers();
        var pts = [];
        fc.features.forEach(function (f) {
          var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]]; pts.push(ll);
          L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: COLOURS[f.properties.sla] || "#c8102e", fillOpacity: 0.95 })
            .bindTooltip(f.properties.reference + " · " + f.properties.mission)
            .on("click", function () { window.location.assign(f.properties.id + "/"); }).addTo(layer);
        });
        if (first && pts.length) { map.fitBounds(pts, { maxZoom: 8, padding: [30, 30] }); first = false; }
      });
    } };
    queueMap.refresh();
  }

  var caseMap = null;
  function drawCase() {
    var el = document.querySelector("[data-case-map]"), data = document.getElementById("case-geo");
    if (!el || !window.L || !data) return;
    var geo = JSON.parse(data.textContent);
    if (!caseMap) caseMap = { map: basemap(el), layer: null, centred: false };
    if (caseMap.layer) caseMap.layer.remove();
    caseMap.layer = L.layerGroup().addTo(caseMap.map);
    if (geo.trail.length > 1) L.polyline(geo.trail, { color: "#5b6ee1", weight: 3, dashArray: "4 4" }).addTo(caseMap.layer);
    if (geo.lat !== null) {
      if (geo.accuracy) L.circle([geo.lat, geo.lon], { radius: geo.accuracy, color: "#c8102e", weight: 1, fillOpacity: 0.12 }).addTo(caseMap.layer);
      var dot = L.circleMarker([geo.lat, geo.lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#c8102e", fillOpacity: 1 }).addTo(caseMap.layer);
      // The nearest place, named by the server (embassy.geo.gazetteer.nearest), so the dot is never anonymous.
      if (geo.place) dot.bindTooltip(geo.place, { permanent: true, direction: "right", offset: [10, 0], className: "map-place-label" });
      // Street tiles show streets at 14; the bundled basemap has no streets, so it stops where the neighbouring
      // towns' names still show around the dot (a dot on blank land tells the officer nothing).
      var close = caseMap.map.getContainer().dataset.tileUrl ? 14 : 9;
      if (!caseMap.centred) { caseMap.map.setView([geo.lat, geo.lon], geo.accuracy && geo.accuracy > 5000 ? Math.min(9, close) : close); caseMap.centred = true; }
    }
  }

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "queue") checkQueue();
    drawCase(); ages();
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (e.detail.successful && form && form.hasAttribute && form.hasAttribute("data-reset")) form.reset();
  });
  window.addEventListener("load", function () { initQueueMap(); checkQueue(); drawCase(); ages(); });
})();
