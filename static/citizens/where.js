// "You are in a new country": on the citizen's home page, compare the phone's position with the citizen's
// active stays and offer a one-tap report. The position is asked for only if the citizen already allowed it;
// otherwise a "Check my location" button asks. Nothing is stored unless the citizen taps "Report" — or has
// turned on "share my position" in the profile, when the position is sent as the last known one.
(function () {
  "use strict";
  var box = document.querySelector("[data-where]");
  if (!box || !navigator.geolocation) return;
  var check = box.querySelector("[data-where-check]");
  var offer = box.querySelector("[data-where-offer]");
  var status = box.querySelector("[data-where-status]");
  function fill(template, country) { return (template || "").split("{country}").join(country); }

  function show(lat, lon, data) {
    status.textContent = "";
    if (!data || !data.country_code || data.has_active_stay_there) return;
    var name = data.country_name || data.country_code;
    offer.querySelector("input[name=lat]").value = lat;
    offer.querySelector("input[name=lon]").value = lon;
    offer.querySelector("[data-where-text]").textContent = fill(box.dataset.prompt, name);
    offer.querySelector("[data-where-report]").textContent = fill(box.dataset.report, name);
    offer.hidden = false;
    check.hidden = true;
  }

  // The citizen chose "share my position" in the profile: keep the mission's last known position current.
  function share(lat, lon) {
    var token = document.querySelector('meta[name="csrf-token"]');
    fetch(box.dataset.share, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.content : "" },
      body: JSON.stringify({ lat: Number(lat), lon: Number(lon) })
    }).catch(function () {});
  }

  function ask() {
    status.textContent = box.dataset.checking || "…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude.toFixed(6), lon = pos.coords.longitude.toFixed(6);
      if (box.dataset.share) share(lat, lon);
      fetch(box.dataset.where + "?lat=" + lat + "&lon=" + lon, {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { show(lat, lon, data); })
        .catch(function () { status.textContent = ""; });
    }, function () {
      status.textContent = "";
      check.hidden = false;
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  }

  check.addEventListener("click", ask);
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted") ask(); else check.hidden = false;
    }).catch(function () { check.hidden = false; });
  } else {
    check.hidden = false;
  }
})();
