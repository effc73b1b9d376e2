// The app's own basemap for every Leaflet map: SEBasemap.add(map, el[, options]) → Promise of the country
// outlines layer (or null).
//   - el.dataset.tileUrl (MAP_TILE_URL) set: street tiles from that server ("© OpenStreetMap contributors",
//     or el.dataset.tileAttribution); the outlines only when options.outlines asks for them (crisis maps
//     highlight and click countries on top of the tiles).
//   - otherwise: the bundled public-domain data (Natural Earth): country outlines (el.dataset.outlines) and city
//     names, fetched in tiles for the visible area and zoom (GET /geo/places/{z}/{x}/{y}.geojson; override with
//     el.dataset.places). Names are placed largest first and dropped where they would overlap.
// options.outlines: { style: fn(feature) | object, interactive: bool, onEachFeature: fn } for the outlines layer.
// The stylesheet static/maps/basemap.css is added to the page by this script when the page lacks it.
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var LAND = { color: "#7b8794", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 };
  var NE = '<a href="https://www.naturalearthdata.com/">Natural Earth</a>';
  var OSM = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

  function ensureStylesheet() {
    if (!here || document.querySelector("link[data-basemap-css]")) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = here.replace(/basemap\.js(\?.*)?$/, "basemap.css");
    link.setAttribute("data-basemap-css", "");
    document.head.appendChild(link);
  }

  function placesUrl(el) {
    if (el.dataset.places) return el.dataset.places;
    var base = (el.dataset.outlines || "/geo/outlines.geojson").replace(/[^/]*$/, "");
    return base + "places/{z}/{x}/{y}.geojson";
  }

  // --- city names ------------------------------------------------------------------------------------------------
  function Labels(map, url) {
    var pane = map.getPane("se-labels") || map.createPane("se-labels");
    pane.classList.add("se-labels-pane");
    var group = L.layerGroup([], { pane: "se-labels" }).addTo(map);
    var tiles = {}, generation = 0, timer = null;
    var lang = (document.documentElement.lang || "id").slice(0, 2);

    function tileZoom() { return Math.max(0, Math.min(Math.round(map.getZoom()) - 2, 10)); }
    function fetchTile(z, x, y) {
      var key = z + "/" + x + "/" + y;
      if (!tiles[key]) {
        tiles[key] = fetch(url.replace("{z}", z).replace("{x}", x).replace("{y}", y))
          .then(function (r) { return r.ok ? r.json() : { features: [] }; })
          .catch(function () { delete tiles[key]; return { features: [] }; });
      }
      return tiles[key];
    }
    function label(p) { return lang === "en" && p.name_en ? p.name_en : p.name; }
    function overlaps(a, list) {
      for (var i = 0; i < list.length; i++) {
        var b = list[i];
        if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) return true;
      }
      return false;
    }
    function draw(mine, shifted) {
      if (mine !== generation) return;  // the view changed while the tiles came
      group.clearLayers();
      shifted.sort(function (a, b) { return a.f.properties.min_zoom - b.f.properties.min_zoom || a.f.properties.rank - b.f.properties.rank; });
      var placed = [], size = map.getSize(), shown = [];
      shifted.forEach(function (item) {
        var c = item.f.geometry.coordinates, p = item.f.properties, text = label(p);
        var ll = L.latLng(c[1], c[0] + item.shift), pt = map.latLngToContainerPoint(ll);
        if (pt.x < -50 || pt.y < -20 || pt.x > size.x + 50 || pt.y > size.y + 20) return;
        var w = 8 + text.length * (p.capital ? 7.6 : 7), box = [pt.x - 4, pt.y - 9, pt.x + w, pt.y + 9];
        if (overlaps(box, placed)) return;
        placed.push(box);
        var el = document.createElement("span");
        el.className = "se-place" + (p.capital ? " se-capital" : "");
        var dot = document.createElement("span"), name = document.createElement("span");
        dot.className = "se-dot"; name.className = "se-name"; name.textContent = text;
        el.appendChild(dot); el.appendChild(name);
        L.marker(ll, { pane: "se-labels", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "se-label", html: el, iconSize: null, iconAnchor: p.capital ? [6, 8] : [4, 7] }) }).addTo(group);
        shown.push({ name: text, latlng: ll });
      });
      map._seLabels = shown;
      map.getContainer().dataset.placeLabels = String(shown.length);  // for tests and screenshots
    }
    function refresh() {
      var mine = ++generation, z = tileZoom(), n = Math.pow(2, z);
      var scale = 256 * Math.pow(2, map.getZoom() - z), b = map.getPixelBounds();
      var x0 = Math.floor(b.min.x / scale), x1 = Math.floor(b.max.x / scale);
      var y0 = Math.max(0, Math.floor(b.min.y / scale)), y1 = Math.min(n - 1, Math.floor(b.max.y / scale));
      if (x1 - x0 >= n) { x0 = 0; x1 = n - 1; }
      var wanted = [];
      for (var x = x0; x <= x1; x++) {
        for (var y = y0; y <= y1; y++) {
          var wrapped = ((x % n) + n) % n;
          wanted.push({ shift: (x - wrapped) / n * 360, tile: fetchTile(z, wrapped, y) });
        }
      }
      Promise.all(wanted.map(function (w) { return w.tile; })).then(function (docs) {
        var items = [];
        docs.forEach(function (doc, i) {
          (doc.features || []).forEach(function (f) { items.push({ f: f, shift: wanted[i].shift }); });
        });
        draw(mine, items);
      });
    }
    map.on("moveend zoomend resize", function () { clearTimeout(timer); timer = setTimeout(refresh, 60); });
    map.on("zoomstart", function () { generation++; group.clearLayers(); });
    refresh();
    return group;
  }

  // --- the basemap ---------------------------------------------------------------------------------------------
  function add(map, el, options) {
    options = options || {};
    ensureStylesheet();
    el.classList.add("se-basemap");
    var tiles = !!el.dataset.tileUrl, outlineOptions = options.outlines;
    if (tiles) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || OSM }).addTo(map);
      if (!outlineOptions) return Promise.resolve(null);
    } else {
      map.attributionControl && map.attributionControl.addAttribution(NE);
      Labels(map, placesUrl(el));
    }
    outlineOptions = outlineOptions || {};
    return fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (gj) {
      var layer = L.geoJSON(gj, {
        style: outlineOptions.style || LAND,
        interactive: !!outlineOptions.interactive,
        onEachFeature: outlineOptions.onEachFeature
      }).addTo(map);
      layer.bringToBack();
      el.dataset.basemap = "ready";  // for tests and screenshots
      return layer;
    });
  }

  // The city name shown nearest to a point of the map (a click), within `px` pixels of its dot: {name, latlng}.
  function labelNear(map, latlng, px) {
    var at = map.latLngToContainerPoint(latlng), best = null, bestD = px;
    (map._seLabels || []).forEach(function (l) {
      var d = map.latLngToContainerPoint(l.latlng).distanceTo(at);
      if (d <= bestD) { best = l; bestD = d; }
    });
    return best;
  }

  window.SEBasemap = { add: add, labelNear: labelNear, LAND: LAND };
})();
