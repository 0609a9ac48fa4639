// The 07:00 rush (SPEC §9): countdowns to the opening of seats and to the next code. The server
// renders the time left (h:mm:ss) and its seconds in data-countdown; this counts them down from
// when the element appeared (so a wrong clock on the phone does not matter) and, at zero:
// - enables a button marked data-countdown-enable (a "send the code" kept disabled until then),
// - tells the page with an "indigo:opened" event (the seats fragment refreshes on it: htmx).
// Elements swapped in by htmx are picked up at the next tick. Without JavaScript the page still
// shows the time and a refresh link. CSP: no inline code.
(function () {
  "use strict";

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor(seconds / 60) % 60;
    var s = seconds % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      if (!element.hasAttribute("data-countdown-deadline")) {
        var seconds = parseInt(element.getAttribute("data-countdown"), 10) || 0;
        element.setAttribute("data-countdown-deadline", String(now + seconds * 1000));
      }
      if (element.hasAttribute("data-countdown-done")) { return; }
      var left = Math.max(0, Math.ceil((parseInt(element.getAttribute("data-countdown-deadline"), 10) - now) / 1000));
      var text = element.querySelector("[data-countdown-left]");
      if (text) { text.textContent = clock(left); }
      if (left > 0) { return; }
      element.setAttribute("data-countdown-done", "1");
      var target = element.getAttribute("data-countdown-enable");
      if (target) {
        document.querySelectorAll(target).forEach(function (button) { button.disabled = false; });
      }
      document.body.dispatchEvent(new CustomEvent("indigo:opened"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();
