// The app's own basemap for every Leaflet map: SEBasemap.add(map, el[, options]) → Promise of the country
// outlines layer (null with tiles and no options.outlines), resolved once the outlines file is loaded: at once
// when options.outlines is given, else when the map first shows the world outlines (below zoom 7).
//   - el.dataset.tileUrl (MAP_TILE_URL) set: street tiles from that server ("© OpenStreetMap contributors",
//     or el.dataset.tileAttribution); the outlines only when options.outlines asks for them (crisis maps
//     highlight and click countries on top of the tiles).
//   - otherwise: the bundled public-domain data (Natural Earth): country outlines (el.dataset.outlines) and city
//     names, fetched in tiles for the visible area and zoom (GET /geo/places/{z}/{x}/{y}.geojson), placed largest
//     first and dropped where they would overlap; zoomed in, the outlines at full detail (GET /geo/land/...).
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

  // GET /geo/{layer}/{z}/{x}/{y}.geojson, beside the outlines (el.dataset.outlines).
  function tilesUrl(el, layer) {
    var base = (el.dataset.outlines || "/geo/outlines.geojson").replace(/[^/]*$/, "");
    return base + layer + "/{z}/{x}/{y}.geojson";
  }

  // The tiles of zoom z that cover the map's view (x may run past the antimeridian: `shift` is the longitude to add).
  function tilesInView(map, z) {
    var n = Math.pow(2, z), scale = 256 * Math.pow(2, map.getZoom() - z), b = map.getPixelBounds();
    var x0 = Math.floor(b.min.x / scale), x1 = Math.floor(b.max.x / scale);
    var y0 = Math.max(0, Math.floor(b.min.y / scale)), y1 = Math.min(n - 1, Math.floor(b.max.y / scale));
    if (x1 - x0 >= n) { x0 = 0; x1 = n - 1; }
    var out = [];
    for (var x = x0; x <= x1; x++) {
      for (var y = y0; y <= y1; y++) {
        var wrapped = ((x % n) + n) % n;
        out.push({ z: z, x: wrapped, y: y, shift: (x - wrapped) / n * 360 });
      }
    }
    return out;
  }
  function tileUrl(url, t) { return url.replace("{z}", t.z).replace("{x}", t.x).replace("{y}", t.y); }

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
        tiles[key] = fetch(tileUrl(url, { z: z, x: x, y: y }))
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
      var mine = ++generation;
      var wanted = tilesInView(map, tileZoom()).map(function (t) { return { shift: t.shift, tile: fetchTile(t.z, t.x, t.y) }; });
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

  // --- country outlines in detail, zoomed in --------------------------------------------------------------------
  // From map zoom DETAIL_ZOOM the one-file world outlines (simplified to ~5 km) give way to tiles at full 1:10m
  // detail: areas filled without a stroke (their cut edges are not borders), coast and borders as lines. They take
  // the outlines' style and clicks, and their place: the overlay pane, behind the map's own shapes.
  var DETAIL_ZOOM = 7;
  function Detail(map, url, coarse, opts, onDrawn) {
    var shown = {}, cache = {}, timer = null;
    function style(f) {
      var base = typeof opts.style === "function" ? opts.style(f) : (opts.style || LAND), s = {};
      for (var k in base) s[k] = base[k];
      if (f.properties.kind === "area") {
        // Opaque, mixed with the land colour: tiles overlap a little at their edges (no seams), and a translucent
        // fill would show the overlaps as darker bands.
        s.stroke = false;
        s.fillColor = mix(LAND.fillColor, s.fillColor || LAND.fillColor, s.fillOpacity === undefined ? 0.2 : s.fillOpacity);
        s.fillOpacity = s.fillOpacity === 0 ? 0 : 1;
      } else s.fill = false;
      return s;
    }
    function mix(under, over, alpha) {
      var a = parseInt(under.slice(1), 16), b = parseInt(over.slice(1), 16), out = 0;
      for (var shift = 16; shift >= 0; shift -= 8) {
        var ca = (a >> shift) & 255, cb = (b >> shift) & 255;
        out |= Math.round(ca + (cb - ca) * alpha) << shift;
      }
      return "#" + (0x1000000 + out).toString(16).slice(1);
    }
    function layerFor(t) {
      var key = t.z + "/" + t.x + "/" + t.y + "@" + t.shift;
      if (!cache[key]) {
        cache[key] = fetch(tileUrl(url, t)).then(function (r) { return r.ok ? r.json() : null; }).then(function (gj) {
          if (!gj) return null;
          return L.geoJSON(gj, { style: style, interactive: !!opts.interactive,
            onEachFeature: opts.onEachFeature,
            coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + t.shift); } });
        }).catch(function () { delete cache[key]; return null; });
      }
      return cache[key].then(function (layer) { return { key: key, layer: layer }; });
    }
    function refresh() {
      var on = map.getZoom() >= DETAIL_ZOOM;
      coarse.show(!on);
      if (!on) { for (var k in shown) map.removeLayer(shown[k]); shown = {}; return; }
      var z = Math.max(5, Math.min(Math.round(map.getZoom()) - 2, 10)), wanted = {};
      Promise.all(tilesInView(map, z).map(layerFor)).then(function (items) {
        items.forEach(function (it) { if (it.layer) wanted[it.key] = it.layer; });
        for (var k in shown) if (!wanted[k]) map.removeLayer(shown[k]);
        for (k in wanted) if (!map.hasLayer(wanted[k])) wanted[k].addTo(map).bringToBack();
        shown = wanted;
        map.getContainer().dataset.detail = String(Object.keys(shown).length);  // for tests
        onDrawn();
      });
    }
    map.on("moveend zoomend", function () { clearTimeout(timer); timer = setTimeout(refresh, 60); });
    refresh();
    return { restyle: function () { for (var k in cache) cache[k].then(function (l) { if (l) l.setStyle(style); }); } };
  }

  // --- the basemap ---------------------------------------------------------------------------------------------
  // The world outlines file (~360 KB) is fetched when first shown, or at once when options.outlines asks for the
  // layer: a map that opens zoomed in on a place (an SOS, a stay) never needs it.
  // Leaflet names its zoom buttons in English; the page's <body> carries their names in the page's language.
  function nameZoomButtons(map) {
    var zc = map.zoomControl && map.zoomControl.getContainer();
    if (!zc) return;
    [["in", document.body.dataset.tZoomIn], ["out", document.body.dataset.tZoomOut]].forEach(function (z) {
      var a = zc.querySelector(".leaflet-control-zoom-" + z[0]);
      if (a && z[1]) { a.title = z[1]; a.setAttribute("aria-label", z[1]); }
    });
  }

  function add(map, el, options) {
    options = options || {};
    ensureStylesheet();
    el.classList.add("se-basemap");
    nameZoomButtons(map);
    var tiles = !!el.dataset.tileUrl, outlineOptions = options.outlines;
    function ready() { el.dataset.basemap = "ready"; }  // for tests and screenshots
    if (tiles) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || OSM }).addTo(map);
      if (!outlineOptions) { ready(); return Promise.resolve(null); }
    } else {
      map.attributionControl && map.attributionControl.addAttribution(NE);
      Labels(map, tilesUrl(el, "places"));
    }
    var opts = outlineOptions || {}, loading = null, layer = null, visible = false, resolve;
    var result = new Promise(function (r) { resolve = r; });
    function load() {
      if (!loading) {
        loading = fetch(el.dataset.outlines).then(function (r) { return r.json(); }).then(function (gj) {
          layer = L.geoJSON(gj, { style: opts.style || LAND, interactive: !!opts.interactive, onEachFeature: opts.onEachFeature });
          if (visible) layer.addTo(map).bringToBack();
          ready();
          resolve(layer);
          return layer;
        });
      }
      return loading;
    }
    var coarse = {
      show: function (on) {
        visible = on;
        if (on) { if (layer) { if (!map.hasLayer(layer)) layer.addTo(map).bringToBack(); } else load(); }
        else if (layer && map.hasLayer(layer)) map.removeLayer(layer);
      }
    };
    if (tiles) coarse.show(true);
    else map._seDetail = Detail(map, tilesUrl(el, "land"), coarse, opts, ready);
    if (outlineOptions) load();
    return result;
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

  // After changing the outlines' style (highlighted countries): the detailed tiles follow.
  function restyle(map) { if (map._seDetail) map._seDetail.restyle(); }

  window.SEBasemap = { add: add, labelNear: labelNear, restyle: restyle, LAND: LAND };
})();
