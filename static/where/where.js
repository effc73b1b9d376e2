// "Where citizens are": density hexagons of active stays on the app's basemap (static/maps/basemap.js). The hexagons are fetched
// as GeoJSON for the map's zoom and bounds, again after every move, with the page's current filters.
(function () {
  "use strict";
  var el = document.querySelector("[data-where-map]");
  if (!el || !window.L) return;
  var map = L.map(el, { worldCopyJump: true }).setView([0, 110], 2);
  if (window.SEBasemap) window.SEBasemap.add(map, el);  // static/maps/basemap.js: outlines and city names, or tiles

  var most = 1;
  function colour(n) {  // light yellow → deep red, on a log scale so that small places still show
    var t = Math.log(n + 1) / Math.log(most + 1);
    return "hsl(" + Math.round(50 - 50 * t) + ", 90%, " + Math.round(72 - 34 * t) + "%)";
  }
  var layer = L.geoJSON(null, {
    style: function (f) { return { color: "#7a0a1c", weight: 0.6, fillColor: colour(f.properties.stays), fillOpacity: 0.7 }; },
    onEachFeature: function (f, l) { l.bindTooltip(f.properties.stays.toLocaleString() + " " + (el.dataset.tStays || "")); }
  }).addTo(map);

  var first = true, fitting = true, pending = null, timer = null;
  function query() {
    var results = document.getElementById("where-results");
    var q = "zoom=" + map.getZoom() + "&mission=" + encodeURIComponent(el.dataset.mission || "");
    if (results && results.dataset.query) q += "&" + results.dataset.query;
    if (!first) {
      var b = map.getBounds(), clamp = function (v) { return Math.max(-90, Math.min(90, v)); };
      q += "&bbox=" + [b.getWest(), clamp(b.getSouth()), b.getEast(), clamp(b.getNorth())].map(function (v) { return v.toFixed(4); }).join(",");
    }
    return q;
  }
  function load() {
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(el.dataset.density + "?" + query(), { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc) return;
        most = fc.features.reduce(function (m, f) { return Math.max(m, f.properties.stays); }, 1);
        layer.clearLayers(); layer.addData(fc);
        // Fitting the map to the stays: coarse hexagons first, then again on the finer ones each zoom brings,
        // until the zoom no longer changes. Not animated, so that the new zoom is known at once.
        if (fitting && fc.features.length) {
          var before = map.getZoom();
          map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [20, 20], animate: false });
          fitting = map.getZoom() > before;
        } else fitting = false;
        first = false;
        el.dataset.state = fitting ? "fitting" : "ready";  // for tests and screenshots
      }).catch(function () { /* aborted by a newer request, or offline: keep what is shown */ });
  }
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
  // New filters (the form swaps the results): fetch the whole scope again and fit the map to it.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "where-results") {
      first = fitting = true;
      map.setView([0, 110], 2, { animate: false });
      load();
    }
  });
  load();
})();
