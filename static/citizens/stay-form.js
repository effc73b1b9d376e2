// Lapor diri form: show only the details of the chosen purpose (the other groups are disabled, so they are
// not sent), and warn when the passport expires within six months of the end of the stay. Without
// JavaScript every group is shown and the server keeps only the chosen purpose's details.
(function () {
  "use strict";
  var purpose = document.getElementById("id_purpose");
  var groups = document.querySelectorAll("[data-purposes]");
  function showGroups() {
    groups.forEach(function (group) {
      var on = group.dataset.purposes.split(" ").indexOf(purpose.value) >= 0;
      group.hidden = !on;
      group.disabled = !on;
    });
  }
  if (purpose && groups.length) {
    purpose.addEventListener("change", showGroups);
    showGroups();
  }

  var warning = document.querySelector("[data-passport-warning]");
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
