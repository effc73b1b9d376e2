// The zone editor (declare a crisis, change its zone): the officer draws a circle (click the centre, then
// click again or drag the handle for the radius) or a polygon (click the corners, then Finish), or picks
// whole countries in the list or on the map. The form's own inputs carry the zone: lat, lon and radius_km
// (visible and editable), the polygon as a GeoJSON string, the countries' select. Without this script the
// numbers and the list still work.
(function () {
  "use strict";
  if (!window.L || !window.crisesMap) return;

  function init(root) {
    var mapEl = root.querySelector("[data-zone-map]");
    var form = root.closest("form");
    var q = function (sel) { return root.querySelector(sel); };
    var lat = q('input[name="lat"]'), lon = q('input[name="lon"]'), radius = q('input[name="radius_km"]');
    var polyInput = q('input[name="polygon"]'), countries = q('select[name="countries"]');
    var status = q("[data-polygon-status]"), placeInput = q("[data-zone-place]"), placeList = q("[data-zone-place-list]");
    var placeStatus = q("[data-zone-place-status]");
    var km = root.dataset.tKm || "km", pointsLabel = root.dataset.tPoints || "";
    var base = crisesMap.basemap(mapEl, { noDoubleClickZoom: true, onCountry: toggleCountry });
    var map = base.map, ZONE = crisesMap.ZONE;

    function mode() {
      var checked = root.querySelector('input[name="zone"]:checked');
      return checked ? checked.value : "circle";
    }
    function showMode() {
      var m = mode();
      root.querySelectorAll("fieldset[data-mode]").forEach(function (fs) { fs.hidden = fs.dataset.mode !== m; });
      circleLayer.clearLayers(); polyLayer.clearLayers();
      if (m === "circle") drawCircle(); else if (m === "polygon") drawPolygon();
      base.highlight(m === "countries" ? selectedCountries() : []);
      mapEl.classList.toggle("drawing", m !== "countries");
    }

    // --- circle -------------------------------------------------------------------------------------------
    var circleLayer = L.layerGroup().addTo(map), sizing = false, centre = null, edgeHandle = null;
    function handleIcon() { return L.divIcon({ className: "zone-handle", iconSize: [16, 16] }); }
    function edgeOf(r) { return L.latLng(centre.lat, centre.lng + r / (111.32 * Math.max(Math.cos(centre.lat * Math.PI / 180), 0.01))); }
    function kmLabel(r) { return r.toLocaleString(undefined, { maximumFractionDigits: 1 }) + " " + km; }
    function num(input) { var v = parseFloat(input.value); return isFinite(v) ? v : null; }
    function readCircle() {
      var la = num(lat), lo = num(lon), r = num(radius);
      centre = la !== null && lo !== null ? L.latLng(la, lo) : null;
      return r;
    }
    function drawCircle() {
      circleLayer.clearLayers(); edgeHandle = null;
      var r = readCircle();
      if (!centre) return null;
      var centreMarker = L.marker(centre, { draggable: true, icon: handleIcon(), keyboard: false }).addTo(circleLayer);
      centreMarker.on("drag", function (e) { setCentre(e.target.getLatLng(), false); });
      if (!r || r <= 0) return null;
      var circle = L.circle(centre, Object.assign({ radius: r * 1000, interactive: false }, ZONE)).addTo(circleLayer);
      var handle = L.marker(edgeOf(r), { draggable: true, icon: handleIcon(), keyboard: false }).addTo(circleLayer);
      handle.on("drag", function (e) { setRadius(map.distance(centre, e.target.getLatLng()) / 1000, circle); });
      handle.bindTooltip(kmLabel(r), { permanent: true, direction: "right" });
      edgeHandle = handle;
      return circle;
    }
    function setCentre(ll, redraw) {
      lat.value = ll.lat.toFixed(5); lon.value = crisesMap.wrapLon(ll.lng).toFixed(5);
      centre = ll;
      if (redraw !== false) drawCircle();
      else {  // dragging the centre: move the circle and its radius handle along
        circleLayer.eachLayer(function (l) { if (l instanceof L.Circle) l.setLatLng(ll); });
        var r = num(radius);
        if (edgeHandle && r) edgeHandle.setLatLng(edgeOf(r));
      }
    }
    function setRadius(value, circle) {
      value = Math.max(0.1, Math.round(value * 10) / 10);
      radius.value = String(value);
      if (circle) {
        circle.setRadius(value * 1000);
        if (edgeHandle) edgeHandle.setTooltipContent(kmLabel(value));  // the label follows the handle being dragged
      } else drawCircle();
    }
    [lat, lon, radius].forEach(function (input) {
      input.addEventListener("change", function () { var c = drawCircle(); if (c) map.fitBounds(c.getBounds(), { maxZoom: 10 }); });
    });

    // --- the centre by name: type a city (offline gazetteer, GET /api/v1/places), pick it, the circle moves there ---
    var found = [], searchTimer = null, searchAbort = null;
    function say(text) { if (placeStatus) placeStatus.textContent = text; }
    function search(text) {
      if (searchAbort) searchAbort.abort();
      searchAbort = new AbortController();
      return fetch(placeInput.dataset.api + "?limit=8&q=" + encodeURIComponent(text), { signal: searchAbort.signal })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (doc) {
          found = doc.items || [];
          placeList.textContent = "";
          found.forEach(function (p) { var o = document.createElement("option"); o.value = p.label; placeList.appendChild(o); });
          return found;
        });
    }
    function usePlace() {
      var text = placeInput.value.trim();
      if (text.length < 2) return;
      var pick = function (items) {
        var p = items.filter(function (i) { return i.label === text; })[0] || items[0];
        if (!p) { say(placeInput.dataset.tNone || ""); return; }
        placeInput.value = p.label;
        if (mode() !== "circle") { var radio = root.querySelector('input[name="zone"][value="circle"]'); radio.checked = true; showMode(); }
        sizing = false; mapEl.classList.remove("sizing");
        lat.value = p.lat.toFixed(5); lon.value = p.lon.toFixed(5);
        var c = drawCircle();
        if (c) map.fitBounds(c.getBounds(), { maxZoom: 10 }); else map.setView([p.lat, p.lon], 9);
        say((placeInput.dataset.tCentre || "") + " " + p.label);
      };
      var known = found.filter(function (i) { return i.label === text; });
      // A label typed out in full ("Kuala Lumpur, Malaysia"): search by its name, then match the whole label.
      if (known.length) pick(known); else search(text.split(",")[0]).then(pick).catch(function () { /* replaced or offline */ });
    }
    if (placeInput) {
      placeInput.addEventListener("input", function () {
        clearTimeout(searchTimer);
        var text = placeInput.value.trim();
        if (found.some(function (i) { return i.label === text; })) { usePlace(); return; }  // chosen from the list
        if (text.length >= 2) searchTimer = setTimeout(function () { search(text).catch(function () {}); }, 150);
      });
      placeInput.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); usePlace(); }  // not the form's submit
      });
      root.querySelectorAll("[data-zone-place-use]").forEach(function (b) { b.addEventListener("click", usePlace); });
    }

    // --- polygon ------------------------------------------------------------------------------------------
    var polyLayer = L.layerGroup().addTo(map), vertices = [], finished = false;
    function unwrapRing(pts) {
      // continuous longitudes (a zone may cross the antimeridian), the first one within [-180, 180]
      var out = [], shift = crisesMap.wrapLon(pts[0].lng) - pts[0].lng, prev = null;
      pts.forEach(function (p) {
        var x = p.lng + shift;
        if (prev !== null) { while (x - prev > 180) x -= 360; while (prev - x > 180) x += 360; }
        out.push([Math.round(x * 1e5) / 1e5, Math.round(p.lat * 1e5) / 1e5]); prev = x;
      });
      return out;
    }
    function writePolygon() {
      if (finished && vertices.length >= 3) {
        var ring = unwrapRing(vertices); ring.push(ring[0]);
        polyInput.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      } else polyInput.value = "";
      if (status) status.textContent = vertices.length + " " + pointsLabel;
    }
    function drawPolygon() {
      polyLayer.clearLayers();
      if (!vertices.length) { writePolygon(); return null; }
      var shape = finished && vertices.length >= 3
        ? L.polygon(vertices, Object.assign({ interactive: false }, ZONE))
        : L.polyline(vertices, { color: ZONE.color, weight: 2, dashArray: "6 4", interactive: false });
      shape.addTo(polyLayer);
      vertices.forEach(function (v, i) {
        var m = L.circleMarker(v, { radius: i === 0 ? 7 : 5, color: "#fff", weight: 2, fillColor: ZONE.color, fillOpacity: 1, bubblingMouseEvents: false }).addTo(polyLayer);
        if (i === 0) m.on("click", function () { if (vertices.length >= 3) { finished = true; drawPolygon(); } });
      });
      writePolygon();
      return shape;
    }
    function readPolygon() {
      vertices = []; finished = false;
      if (!polyInput.value) return;
      try {
        var g = JSON.parse(polyInput.value);
        var ring = g.type === "Polygon" ? g.coordinates[0] : g.coordinates[0][0];
        vertices = ring.slice(0, -1).map(function (p) { return L.latLng(p[1], p[0]); });
        finished = vertices.length >= 3;
      } catch (e) { vertices = []; }
    }
    root.querySelectorAll("[data-polygon]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var action = btn.dataset.polygon;
        if (action === "finish") finished = vertices.length >= 3;
        else if (action === "undo") { finished = false; vertices.pop(); }
        else { finished = false; vertices = []; }
        drawPolygon();
      });
    });

    // --- countries ----------------------------------------------------------------------------------------
    function selectedCountries() {
      return Array.prototype.filter.call(countries.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
    }
    function toggleCountry(code) {
      if (mode() !== "countries") return false;
      var option = Array.prototype.find.call(countries.options, function (o) { return o.value === code; });
      if (!option) return false;
      option.selected = !option.selected;
      base.highlight(selectedCountries());
      return true;
    }
    countries.addEventListener("change", function () {
      base.highlight(selectedCountries()).then(function (b) { if (b) map.fitBounds(b, { maxZoom: 6 }); });
    });

    // --- clicks on the map ----------------------------------------------------------------------------------
    map.on("click", function (e) {
      var m = mode();
      if (m === "circle") {
        if (!sizing) {
          setCentre(e.latlng); sizing = true; mapEl.classList.add("sizing");
          if (placeInput) placeInput.value = "";
          say(precisionHint());
        }
        else { setRadius(map.distance(centre, e.latlng) / 1000); sizing = false; mapEl.classList.remove("sizing"); }
      } else if (m === "polygon") {
        if (finished) return;
        vertices.push(e.latlng); drawPolygon();
      }
    });
    // A click is as precise as a pixel: at the zoom the editor opens with, a pixel is tens of kilometres.
    function precisionHint() {
      var c = map.getSize().divideBy(2), a = map.containerPointToLatLng(c), b = map.containerPointToLatLng(c.add([1, 0]));
      var km = map.distance(a, b) / 1000;
      return km > 1 && root.dataset.tPrecision ? root.dataset.tPrecision.replace("{km}", kmLabel(Math.round(km))) : "";
    }
    map.on("mousemove", function (e) {
      if (mode() !== "circle" || !sizing || !centre) return;
      var r = map.distance(centre, e.latlng) / 1000, shown = Math.max(0.1, Math.round(r * 10) / 10);
      radius.value = String(shown);
      var circle = null;
      circleLayer.eachLayer(function (l) { if (l instanceof L.Circle) circle = l; });
      if (circle) circle.setRadius(r * 1000); else drawCircle();
      // While sizing, the radius shows in its field; the edge handle (and its label) comes back with the click
      // that sets the radius: left where it was drawn, it showed a stale radius and could take that click.
      if (edgeHandle) { circleLayer.removeLayer(edgeHandle); edgeHandle = null; }
    });
    root.querySelectorAll('input[name="zone"]').forEach(function (r) {
      r.addEventListener("change", function () { sizing = false; showMode(); });
    });
    if (form) form.addEventListener("submit", function () {
      if (mode() === "polygon" && !finished && vertices.length >= 3) { finished = true; writePolygon(); }
    });

    // --- start from what the form holds (after an error, or the crisis's current zone) -----------------------
    readPolygon();
    showMode();
    var m = mode(), shape = null;
    if (m === "circle") { circleLayer.eachLayer(function (l) { if (l instanceof L.Circle) shape = l; }); }
    else if (m === "polygon") { polyLayer.eachLayer(function (l) { if (l instanceof L.Polygon) shape = l; }); }
    if (shape) map.fitBounds(shape.getBounds(), { maxZoom: 10 });
    else if (m === "countries") base.highlight(selectedCountries()).then(function (b) { if (b) map.fitBounds(b, { maxZoom: 6 }); });
  }

  document.querySelectorAll("[data-zone-editor]").forEach(function (root) {
    var details = root.closest("details");
    if (details && !details.open) {  // a map needs its size: start it when the box is opened
      details.addEventListener("toggle", function once() {
        if (!details.open) return;
        details.removeEventListener("toggle", once);
        init(root);
      });
    } else init(root);
  });
})();
