// The QR code opens /verifikasi/#<token>: the fragment never reaches the server, so this script posts it with the
// page's form (and clears it from the address bar) unless the page already shows an answer.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  var field = document.getElementById("qr");
  var hash = window.location.hash.slice(1);
  if (!form || !field || !hash || document.querySelector("[data-verdict]")) return;
  field.value = decodeURIComponent(hash);
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  form.submit();
})();
