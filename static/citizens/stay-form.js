// Lapor diri form. Without JavaScript the form still works: the server looks the typed place up, every purpose's
// details are shown (the server keeps the chosen purpose's), "add a family member" asks the server for a row.
// With it:
// - the error (or duplicate) summary at the top takes the focus;
// - the place is chosen from suggestions of the offline gazetteer (/api/v1/places) or from the phone's position
//   (/api/v1/places/nearest), and shown by name, never as coordinates; the country follows the place;
// - the map loads only when asked for (Leaflet and map-pick.js are fetched then, not with the page);
// - only the chosen purpose's details are shown (the others are disabled, so they are not sent);
// - family rows are added and removed in the page;
// - a warning shows when the passport expires within six months of the end of the stay.
(function () {
  "use strict";
  var summary = document.querySelector("[data-summary]");
  if (summary) summary.focus();
  var form = document.getElementById("stay-form");
  if (!form) return;

  // --- Purpose ------------------------------------------------------------------------------------------------
  var purposes = form.querySelectorAll("input[name=purpose]");
  var groups = form.querySelectorAll("[data-purposes]");
  function showGroups() {
    var chosen = form.querySelector("input[name=purpose]:checked");
    var value = chosen ? chosen.value : "";
    groups.forEach(function (group) {
      var on = group.dataset.purposes.split(" ").indexOf(value) >= 0;
      group.hidden = !on;
      group.disabled = !on;
    });
  }
  purposes.forEach(function (radio) { radio.addEventListener("change", showGroups); });
  if (groups.length) showGroups();

  // --- Place --------------------------------------------------------------------------------------------------
  var box = form.querySelector("[data-place]");
  var input = document.getElementById("id_place");
  var list = document.getElementById("place-options");
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var city = document.getElementById("id_city"), country = document.getElementById("id_country");
  var chosen = form.querySelector("[data-place-chosen]"), chosenLabel = form.querySelector("[data-place-label]");
  var items = [], active = -1, timer = null, asked = 0;

  function choose(place, label) {
    lat.value = Math.round(place.lat * 1e6) / 1e6;
    lon.value = Math.round(place.lon * 1e6) / 1e6;
    city.value = place.name || "";
    if (place.country && country) country.value = place.country;
    input.value = label;
    chosenLabel.textContent = label;
    chosen.hidden = false;
    closeList();
    document.dispatchEvent(new CustomEvent("se:place", { detail: { lat: +lat.value, lon: +lon.value } }));
  }
  function clearChoice() {
    lat.value = ""; lon.value = ""; city.value = "";
    chosen.hidden = true;
  }
  function closeList() {
    list.hidden = true; list.textContent = ""; items = []; active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function highlight(i) {
    active = i;
    list.querySelectorAll("[role=option]").forEach(function (li, j) {
      li.setAttribute("aria-selected", j === i ? "true" : "false");
    });
    if (i >= 0) input.setAttribute("aria-activedescendant", "place-option-" + i);
  }
  function show(found) {
    list.textContent = "";
    items = found;
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.setAttribute("role", "option");
      none.setAttribute("aria-disabled", "true");
      none.textContent = box.dataset.tNone;
      list.appendChild(none);
    }
    found.forEach(function (place, i) {
      var li = document.createElement("li");
      li.id = "place-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = place.label;
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the focus in the input
      li.addEventListener("click", function () { choose(place, place.label); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }
  function lookup() {
    var q = input.value.trim();
    if (q.length < 2) { closeList(); return; }
    var mine = ++asked;
    fetch(box.dataset.search + "?limit=6&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (body) { if (mine === asked && document.activeElement === input) show(body.items || []); })
      .catch(function () { closeList(); });  // offline: the server looks the text up when the form is sent
  }
  if (box && input && list) {
    input.addEventListener("input", function () {
      clearChoice();
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden || !items.length) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter") { e.preventDefault(); var p = items[Math.max(active, 0)]; choose(p, p.label); }
      else if (e.key === "Escape") { closeList(); }
    });
    input.addEventListener("blur", function () { setTimeout(closeList, 100); });
    // Another country chosen by hand: the place chosen before is no longer where the person stays.
    if (country) country.addEventListener("change", function () {
      if (lat.value) { clearChoice(); input.value = ""; }
    });
  }

  // A point from the phone or the map: named by the nearest place (or "the place you marked").
  function point(la, lo, fallbackLabel) {
    var place = { lat: la, lon: lo, name: "", country: "" };
    return fetch(box.dataset.nearest + "?lat=" + la + "&lon=" + lo, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (near) {
        if (near) { place.name = near.name; place.country = near.country; }
        choose(place, near ? near.label : fallbackLabel);
      });
  }
  window.SEPlacePick = { point: function (la, lo) { return point(la, lo, box.dataset.tMarked); } };

  var here = form.querySelector("[data-use-location]");
  if (here && navigator.geolocation) {
    here.hidden = false;
    here.addEventListener("click", function () {
      chosen.hidden = false;
      chosenLabel.textContent = box.dataset.tLocating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        point(pos.coords.latitude, pos.coords.longitude, box.dataset.tMarked);
      }, function () { chosenLabel.textContent = box.dataset.tFailed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // --- The optional map: its scripts load only now -------------------------------------------------------------
  var mapButton = form.querySelector("[data-map-open]");
  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el[k] = attrs[k]; });
      el.onload = resolve; el.onerror = reject;
      document.head.appendChild(el);
    });
  }
  if (mapButton) {
    mapButton.hidden = false;
    mapButton.addEventListener("click", function () {
      mapButton.disabled = true;
      var d = mapButton.dataset;
      var scripts = [d.leafletJs].concat(d.basemapJs ? [d.basemapJs] : []).concat([d.mapJs]);
      var chain = load("link", { rel: "stylesheet", href: d.leafletCss });
      scripts.forEach(function (src) { chain = chain.then(function () { return load("script", { src: src }); }); });
      chain.then(function () { mapButton.hidden = true; })
        .catch(function () { mapButton.disabled = false; });
    });
  }

  // --- Family rows ----------------------------------------------------------------------------------------------
  var rows = form.querySelector("[data-family-rows]");
  var template = form.querySelector("[data-family-template]");
  var add = form.querySelector("[data-family-add]");
  var total = form.querySelector("input[name=family-TOTAL_FORMS]");
  var most = form.querySelector("input[name=family-MAX_NUM_FORMS]");
  function removable(row) {
    var button = row.querySelector("[data-family-remove]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { row.remove(); add.focus(); });
  }
  if (rows && template && add && total) {
    rows.querySelectorAll("[data-family-row]").forEach(removable);
    add.addEventListener("click", function (e) {
      e.preventDefault();
      var n = parseInt(total.value, 10) || 0;
      if (most && n >= parseInt(most.value, 10)) return;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(n));
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(n + 1);
      removable(row);
      var name = row.querySelector("input");
      if (name) name.focus();
    });
  }

  // --- Passport -------------------------------------------------------------------------------------------------
  var warning = form.querySelector("[data-passport-warning]");
  if (!warning) return;
  var expiryInput = document.getElementById("id_passport_expiry");
  var endInput = document.getElementById("id_end_date");
  function check() {
    var expiry = (expiryInput && expiryInput.value) || warning.dataset.expiry;
    if (!expiry) { warning.hidden = true; return; }
    var until = endInput && endInput.value ? new Date(endInput.value) : new Date();
    var today = new Date();
    if (until < today) until = today;
    until.setMonth(until.getMonth() + 6);
    warning.hidden = !(new Date(expiry) < until);
  }
  [expiryInput, endInput].forEach(function (el) { if (el) el.addEventListener("change", check); });
  check();
})();
