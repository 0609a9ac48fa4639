// Kiosk idle reset (SPEC §10): after the idle limit without input the session is ended on the
// server and the start screen shown. The server enforces the same limit on its own.
(function () {
  "use strict";
  var body = document.body;
  var limit = parseInt(body.getAttribute("data-idle-seconds") || "90", 10) * 1000;
  var finishUrl = body.getAttribute("data-finish-url");
  var warning = document.getElementById("kiosk-idle");
  var last = Date.now();
  function touch() {
    last = Date.now();
    if (warning) { warning.hidden = true; }
  }
  ["pointerdown", "keydown", "input", "touchstart", "scroll"].forEach(function (name) {
    window.addEventListener(name, touch, { passive: true });
  });
  window.setInterval(function () {
    var idle = Date.now() - last;
    if (warning && idle > limit - 10000) { warning.hidden = false; }
    if (idle >= limit) { window.location.replace(finishUrl); }
  }, 1000);
  // Never show a previous family's page from the back/forward cache.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.replace(finishUrl); }
  });
})();
