// The kiosk reads the QR code of a booking confirmation ("SE1:BOOK:<reference>") with the camera where the
// browser has the BarcodeDetector API, fills in the booking code and checks in. Typing the code always works.
// On the ticket just issued, the kiosk goes back to its start page once nobody has touched it for a while
// (every touch or key press starts the wait again, so a person who is still reading keeps the page).
(function () {
  "use strict";
  var ticket = document.querySelector("[data-kiosk-return]");
  if (ticket) {
    var IDLE_MS = 45000, idle = null;
    var back = function () { window.location.assign(ticket.getAttribute("data-kiosk-return")); };
    var wait = function () { if (idle) window.clearTimeout(idle); idle = window.setTimeout(back, IDLE_MS); };
    ["pointerdown", "keydown", "scroll"].forEach(function (type) { document.addEventListener(type, wait, { passive: true }); });
    wait();
    return;
  }
  var box = document.querySelector("[data-scan]");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var form = document.querySelector("[data-checkin-form]");
  var input = document.getElementById("reference");
  var video = box.querySelector("[data-scan-video]");
  var state = box.querySelector("[data-scan-state]");
  var start = box.querySelector("[data-scan-start]");
  var stream = null, timer = null, deadline = 0;
  var PATTERN = /^(SE1:BOOK:)?[A-Z0-9]{8}$/i;
  box.hidden = false;

  function stop() {
    if (timer) window.clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
  }

  function submit(value) {
    stop();
    input.value = value;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function scan(detector) {
    if (!stream) return;
    if (Date.now() > deadline) { stop(); state.textContent = ""; return; }
    detector.detect(video).then(function (codes) {
      for (var i = 0; i < codes.length; i++) {
        var value = (codes[i].rawValue || "").trim();
        if (PATTERN.test(value)) { submit(value); return; }
      }
      timer = window.setTimeout(function () { scan(detector); }, 250);
    }, function () { timer = window.setTimeout(function () { scan(detector); }, 500); });
  }

  start.addEventListener("click", function () {
    var detector;
    try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) {
      state.textContent = state.getAttribute("data-t-failed"); return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "user" } }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      state.textContent = state.getAttribute("data-t-looking");
      deadline = Date.now() + 60000;  // the camera goes off after a minute
      return video.play().then(function () { scan(detector); });
    }).catch(function () {
      stop();
      state.textContent = state.getAttribute("data-t-failed");
      input.focus();
    });
  });
  window.addEventListener("pagehide", stop);
})();
