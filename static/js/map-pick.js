// The optional map of the lapor diri form, loaded (with Leaflet) only when the person asks for it: a tap marks
// where they stay, and the form names the place (stay-form.js, window.SEPlacePick). The basemap is the app's own
// (window.SEBasemap: outlines, roads and place names bundled with the app, or tiles when MAP_TILE_URL is set);
// before that script exists, the country outlines served by the app.
(function () {
  "use strict";
  var el = document.querySelector("[data-map-pick]");
  if (!el || !window.L) return;
  el.hidden = false;
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var map = L.map(el, { worldCopyJump: true }).setView([0, 110], 3);
  if (window.SEBasemap && window.SEBasemap.add) {
    window.SEBasemap.add(map, el);
  } else if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
  } else {
    fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (gj) {
      L.geoJSON(gj, { interactive: false, style: { color: "#7b8794", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 } })
        .addTo(map);
    });
  }
  var marker = null;
  function mark(la, lo, zoom) {
    if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo], { keyboard: false }).addTo(map);
    if (zoom) map.setView([la, lo], Math.max(map.getZoom(), zoom));
  }
  if (lat.value && lon.value) mark(parseFloat(lat.value), parseFloat(lon.value), 10);
  var tapped = false;  // the place named after a tap on the map: the map stays as the person left it
  map.on("click", function (e) {
    var la = Math.round(e.latlng.lat * 1e6) / 1e6, lo = Math.round((((e.latlng.lng + 540) % 360) - 180) * 1e6) / 1e6;
    mark(la, lo, 0);
    if (!window.SEPlacePick) return;
    tapped = true;
    window.SEPlacePick.point(la, lo).then(function () { tapped = false; });
  });
  // A place chosen by name or by the phone's position moves the marker there.
  document.addEventListener("se:place", function (e) { if (!tapped) mark(e.detail.lat, e.detail.lon, 10); });
  el.scrollIntoView({ block: "nearest" });
})();
