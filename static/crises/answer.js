// One-tap answers: a link opened for one answer submits it at once (a link previewer that does not run
// scripts records nothing). Without scripts, the single button is there to tap.
(function () {
  "use strict";
  var form = document.getElementById("rollcall-form");
  if (!form || !form.dataset.auto) return;
  var button = form.querySelector('button[value="' + form.dataset.auto + '"]');
  if (button) form.requestSubmit ? form.requestSubmit(button) : button.click();
})();
