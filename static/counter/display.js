// The call-up display on a TV: polls the feed (numbers and counters only) every few seconds, redraws the list,
// and announces each new call or recall once with the browser's speech synthesis in the feed's language
// (id-ID). Browsers let a page speak only after a touch or key press on it: "Turn announcements on" is that
// press (a TV browser started with --autoplay-policy=no-user-gesture-required speaks after a reload too). Where
// the browser cannot speak, the numbers are shown only.
(function () {
  "use strict";
  var root = document.querySelector("[data-display]");
  if (!root) return;
  var POLL_MS = 3000, CHOICE = "embassy.counter.speech";
  var rows = root.querySelector("[data-display-rows]");
  var now = root.querySelector("[data-display-now]");
  var waiting = root.querySelector("[data-display-waiting]");
  var btn = root.querySelector("[data-speech-toggle]");
  var canSpeak = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  var seen = {};
  Array.prototype.forEach.call(rows.querySelectorAll("tr[data-key]"), function (tr) { seen[tr.getAttribute("data-key")] = true; });

  function choice() { try { return localStorage.getItem(CHOICE) || ""; } catch (e) { return ""; } }
  function choose(value) { try { localStorage.setItem(CHOICE, value); } catch (e) { /* private mode */ } }
  var on = canSpeak && choice() === "on";

  function renderButton() {
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.textContent = on ? btn.getAttribute("data-t-on") : btn.getAttribute("data-t-off");
    btn.classList.toggle("primary", on);
  }
  if (canSpeak) {
    btn.addEventListener("click", function () { on = !on; choose(on ? "on" : "off"); renderButton(); });
    renderButton();
  } else {
    btn.hidden = true;
    root.querySelector("[data-no-speech]").hidden = false;
  }

  function voice(lang) {
    var voices = window.speechSynthesis.getVoices ? window.speechSynthesis.getVoices() : [];
    var base = lang.split("-")[0].toLowerCase();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().replace("_", "-").indexOf(base) === 0) return voices[i];
    }
    return null;
  }

  function speak(text) {
    if (!on || !canSpeak || !text) return;
    try {
      var lang = root.getAttribute("data-lang") || "id-ID";
      var u = new SpeechSynthesisUtterance(text);
      u.lang = lang;
      u.rate = 0.9;
      var v = voice(lang);
      if (v) u.voice = v;
      window.speechSynthesis.speak(u);
    } catch (e) { /* no voice: the screen still shows the number */ }
  }

  function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }

  function render(feed) {
    if (!feed || !feed.calls) return;
    if (feed.lang) root.setAttribute("data-lang", feed.lang);
    var fresh = [];
    rows.textContent = "";
    feed.calls.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-key", c.key);
      tr.appendChild(cell(c.number));
      tr.appendChild(cell(c.counter));
      if (!seen[c.key]) { tr.className = "fresh"; fresh.push(c); seen[c.key] = true; }
      rows.appendChild(tr);
    });
    now.textContent = "";
    if (feed.calls.length) {
      var first = feed.calls[0];
      [["display-number", first.number], ["display-arrow", "→"], ["display-counter", first.counter]].forEach(function (p) {
        var span = document.createElement("span");
        span.className = p[0];
        span.textContent = p[1];
        if (p[0] === "display-arrow") span.setAttribute("aria-hidden", "true");
        now.appendChild(span);
      });
      now.classList.toggle("fresh", fresh.length > 0);
    }
    waiting.textContent = String(feed.waiting);
    fresh.reverse().forEach(function (c) { speak(c.announcement); });  // oldest call first
  }

  function poll() {
    fetch(root.getAttribute("data-feed"), { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(render)
      .catch(function () { /* offline for a moment: try again */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  window.setTimeout(poll, POLL_MS);
})();
