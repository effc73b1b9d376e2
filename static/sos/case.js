// Case page: while the case is open, send the phone's position when it changes (at most every 20 s,
// or sooner after moving 50 m); count the "I pressed by mistake" offer down; clear forms after htmx posted them.
(function () {
  "use strict";
  var el = document.querySelector("[data-sos-case]");
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (e.detail.successful && form && form.hasAttribute && form.hasAttribute("data-reset")) form.reset();
  });
  // "I pressed by mistake": shown for a few seconds after the press, counting down; the cancel button lower
  // on the page stays for later.
  var mistake = document.querySelector("[data-sos-mistake]");
  if (mistake) {
    var left = parseInt(mistake.dataset.seconds || "10", 10), counter = mistake.querySelector("[data-countdown]");
    var tick = setInterval(function () {
      left -= 1;
      if (counter) counter.textContent = "(" + Math.max(left, 0) + ")";
      if (left <= 0) { clearInterval(tick); mistake.hidden = true; }
    }, 1000);
  }
  if (!el || el.dataset.open !== "1" || !navigator.geolocation) return;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var last = null, lastAt = 0;
  function metres(a, b) {
    var R = 6371000, r = Math.PI / 180, dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.sqrt(h));
  }
  navigator.geolocation.watchPosition(function (p) {
    var pos = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
    var now = Date.now();
    if (last && now - lastAt < 20000 && metres(last, pos) < 50) return;
    last = pos; lastAt = now;
    fetch(el.dataset.locations, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.content : "" },
      body: JSON.stringify(pos) }).catch(function () { lastAt = 0; });
  }, function () {}, { enableHighAccuracy: true, maximumAge: 10000 });
})();
