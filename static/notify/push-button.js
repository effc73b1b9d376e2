// "Turn on notifications" buttons: shown only where Web Push works and is not yet on for this device.
(function () {
  "use strict";
  var offer = document.querySelector("[data-push-offer]");
  if (!offer || !window.embassyPush || !window.embassyPush.supported()) return;
  var button = offer.querySelector("[data-push-subscribe]");
  var state = offer.querySelector("[data-push-state]");
  navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
    if (!sub || Notification.permission !== "granted") offer.hidden = false;
  });
  button.addEventListener("click", function () {
    button.disabled = true;
    window.embassyPush.subscribe().then(function () {
      state.textContent = button.dataset.tDone;
      button.hidden = true;
    }).catch(function () {
      state.textContent = button.dataset.tFailed;
      button.disabled = false;
    });
  });
})();
