// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (evt) {
    if (csrf) evt.detail.headers["X-CSRFToken"] = csrf.content;
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  var finder = document.querySelector("[data-find-mission]");
  if (finder) {
    finder.addEventListener("click", function () {
      var out = document.getElementById("mission-answer");
      if (!navigator.geolocation) { out.textContent = finder.dataset.unsupported || "—"; return; }
      out.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = "/api/v1/missions/route?lat=" + pos.coords.latitude + "&lon=" + pos.coords.longitude;
        fetch(url, { headers: { "Accept": "application/json" } }).then(function (r) { return r.json(); }).then(function (data) {
          out.textContent = "";
          if (!data.mission) { out.textContent = data.detail || "—"; return; }
          var strong = document.createElement("strong"); strong.textContent = data.mission.name;
          out.appendChild(strong);
          out.appendChild(document.createTextNode(" · " + data.mission.city + " (" + Math.round(data.distance_km) + " km)"));
          if (data.mission.hotline) {
            var a = document.createElement("a"); a.href = "tel:" + data.mission.hotline; a.className = "btn primary";
            a.textContent = "☎ " + data.mission.hotline; out.appendChild(document.createElement("br"));
            if (data.mission.hotline_fallback) {
              var note = document.createElement("span"); note.className = "small"; note.dataset.testid = "hq-fallback";
              note.textContent = finder.dataset.tHq || ""; out.appendChild(note); out.appendChild(document.createElement("br"));
            }
            out.appendChild(a);
          }
        });
      }, function () { out.textContent = "—"; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
