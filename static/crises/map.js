// Shared by the crisis pages: the app's own basemap (country outlines, or a configured tile server) with the
// outlines kept as a layer, so that whole countries of a crisis zone can be highlighted and clicked.
(function () {
  "use strict";
  var ZONE = { color: "#b3121f", weight: 2, fillColor: "#b3121f", fillOpacity: 0.12 };

  function basemap(el, options) {
    options = options || {};
    var map = L.map(el, { worldCopyJump: true, doubleClickZoom: !options.noDoubleClickZoom }).setView([0, 110], 2);
    var tiles = !!el.dataset.tileUrl, selected = {};
    if (tiles) L.tileLayer(el.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    function style(f) {
      var on = !!selected[f.properties.code];
      if (on) return { color: "#b3121f", weight: 2, fillColor: "#b3121f", fillOpacity: 0.22 };
      return tiles ? { color: "#7b8794", weight: 0, fillOpacity: 0 } : { color: "#7b8794", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 };
    }
    var outlines = fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (gj) {
      var layer = L.geoJSON(gj, { style: style, interactive: !!options.onCountry,
        onEachFeature: function (f, l) { if (options.onCountry) l.on("click", function (e) { options.onCountry(f.properties.code, e); }); }
      }).addTo(map);
      layer.bringToBack();
      return layer;
    });
    return {
      map: map,
      outlines: outlines,
      // Highlight whole countries; resolves with the bounds of the highlighted ones (or null).
      highlight: function (codes) {
        selected = {};
        (codes || []).forEach(function (c) { selected[c] = true; });
        return outlines.then(function (layer) {
          layer.setStyle(style);
          var bounds = null;
          layer.eachLayer(function (l) { if (selected[l.feature.properties.code]) bounds = bounds ? bounds.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast()); });
          return bounds;
        });
      }
    };
  }

  // Longitude into [-180, 180] (a click on a copy of the world beyond the antimeridian).
  function wrapLon(lon) { return ((lon + 180) % 360 + 360) % 360 - 180; }

  window.crisesMap = { basemap: basemap, wrapLon: wrapLon, ZONE: ZONE };
})();
