// Location picker for lapor diri: the basemap is the country outlines served by the app (no tiles from
// another host unless a tile URL is configured).
(function () {
  "use strict";
  var el = document.querySelector("[data-map-pick]");
  if (!el || !window.L) return;
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var note = document.querySelector("[data-picked]");
  var map = L.map(el, { worldCopyJump: true }).setView([0, 110], 3);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
  } else {
    fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (gj) {
      L.geoJSON(gj, { style: { color: "#7b8794", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 } }).addTo(map);
    });
  }
  var marker = null;
  function place(la, lo, zoom) {
    la = Math.round(la * 1e6) / 1e6; lo = Math.round(lo * 1e6) / 1e6;
    lat.value = la; lon.value = lo;
    if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo]).addTo(map);
    if (zoom) map.setView([la, lo], Math.max(map.getZoom(), zoom));
    if (note) note.textContent = la.toFixed(5) + ", " + lo.toFixed(5);
  }
  if (lat.value && lon.value) place(parseFloat(lat.value), parseFloat(lon.value), 9);
  map.on("click", function (e) { place(e.latlng.lat, ((e.latlng.lng + 540) % 360) - 180, 0); });
  var btn = document.querySelector("[data-use-location]");
  if (btn && navigator.geolocation) {
    btn.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) { place(pos.coords.latitude, pos.coords.longitude, 11); },
        function () {}, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
