// Shared by the crisis pages: the app's basemap (static/maps/basemap.js: bundled outlines and city names, or a
// configured tile server) with the country outlines kept as a layer, so that whole countries of a crisis zone can
// be highlighted and clicked.
(function () {
  "use strict";
  var ZONE = { color: "#b3121f", weight: 2, fillColor: "#b3121f", fillOpacity: 0.12 };
  var here = document.currentScript && document.currentScript.src;

  // basemap.js is included by the page before this script; a page that lacks it gets it loaded here.
  function withBasemap() {
    if (window.SEBasemap) return Promise.resolve(window.SEBasemap);
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = (here || "/static/crises/map.js").replace(/crises\/map\.js(\?.*)?$/, "maps/basemap.js");
      s.onload = function () { resolve(window.SEBasemap); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function basemap(el, options) {
    options = options || {};
    var map = L.map(el, { worldCopyJump: true, doubleClickZoom: !options.noDoubleClickZoom }).setView([0, 110], 2);
    var tiles = !!el.dataset.tileUrl, selected = {};
    function style(f) {
      var on = !!selected[f.properties.code];
      if (on) return { color: "#b3121f", weight: 2, fillColor: "#b3121f", fillOpacity: 0.22 };
      return tiles ? { color: "#7b8794", weight: 0, fillOpacity: 0 } : window.SEBasemap.LAND;
    }
    var outlines = withBasemap().then(function (SEBasemap) {
      return SEBasemap.add(map, el, { outlines: { style: style, interactive: !!options.onCountry,
        onEachFeature: function (f, l) { if (options.onCountry) l.on("click", function (e) { options.onCountry(f.properties.code, e); }); }
      } });
    });
    // A map laid out before its box had its final size (a form above it changing, a panel opening) keeps its old
    // size: clicks would land beside where they are drawn. Follow the box.
    if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize({ pan: false }); }).observe(el);
    return {
      map: map,
      outlines: outlines,
      // Highlight whole countries; resolves with the bounds of the highlighted ones (or null).
      highlight: function (codes) {
        selected = {};
        (codes || []).forEach(function (c) { selected[c] = true; });
        return outlines.then(function (layer) {
          layer.setStyle(style);
          window.SEBasemap.restyle(map);
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
