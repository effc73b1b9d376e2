// The crisis room: the zone and the people inside as hexagons coloured by their answers (red: someone needs
// help; amber: mostly no answer yet; green: mostly safe), fetched again whenever the live counts change
// (htmx swaps them, polling every 2 s, the server answers 204 while nothing changed) and when the zoom
// changes the hexagon size. Also opens the confirmation dialogs.
(function () {
  "use strict";

  document.querySelectorAll("[data-dialog]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var dialog = document.getElementById(btn.dataset.dialog);
      if (dialog && dialog.showModal) dialog.showModal();
    });
  });

  var el = document.querySelector("[data-room-map]"), zoneData = document.getElementById("crisis-zone");
  if (!el || !window.L || !window.crisesMap || !zoneData) return;
  var zone = JSON.parse(zoneData.textContent);
  var base = crisesMap.basemap(el), map = base.map, ZONE = crisesMap.ZONE;
  var zoneLayer = L.layerGroup().addTo(map), bounds = null;

  if (zone.polygon) {
    var poly = L.geoJSON(zone.polygon, { style: function () { return Object.assign({ dashArray: "6 4" }, ZONE); }, interactive: false }).addTo(zoneLayer);
    bounds = poly.getBounds();
  } else if (zone.radius_km && zone.lat !== null && zone.lon !== null) {
    var circle = L.circle([zone.lat, zone.lon], Object.assign({ radius: zone.radius_km * 1000, dashArray: "6 4", interactive: false }, ZONE)).addTo(zoneLayer);
    bounds = circle.getBounds();
  }
  if (bounds) map.fitBounds(bounds, { maxZoom: 10, padding: [10, 10] });
  base.highlight(zone.countries || []).then(function (b) { if (b && !bounds) map.fitBounds(b, { maxZoom: 6 }); });

  function colour(p) {
    if (p.help > 0) return "#c8102e";
    return p.silent >= p.safe ? "#d08a00" : "#1f8a4c";
  }
  function resolution() {
    var z = map.getZoom();
    return z <= 3 ? 3 : z <= 5 ? 4 : z <= 7 ? 5 : z <= 9 ? 6 : 7;
  }
  var hexes = L.geoJSON(null, {
    style: function (f) { return { color: colour(f.properties), weight: 1, fillColor: colour(f.properties), fillOpacity: 0.55 }; },
    onEachFeature: function (f, l) {
      var p = f.properties;
      l.bindTooltip(p.safe + " " + (el.dataset.tSafe || "") + " · " + p.help + " " + (el.dataset.tHelp || "") + " · " +
        p.silent + " " + (el.dataset.tSilent || ""));
    }
  }).addTo(map);

  var pending = null, shownRes = null;
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    var res = resolution();
    fetch(el.dataset.geojson + "?res=" + res, { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc) return;
        hexes.clearLayers(); hexes.addData(fc); shownRes = res;
        if (!bounds && !(zone.countries || []).length && fc.features.length) {
          bounds = hexes.getBounds(); map.fitBounds(bounds, { maxZoom: 9 });
        }
      }).catch(function () { /* a newer request replaced it, or offline: keep what is shown */ });
  }
  map.on("zoomend", function () { if (resolution() !== shownRes) refresh(); });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "room-counts") refresh();
  });
  refresh();
})();
