// The printable direction: a "Print" button for browsers with JavaScript (CSP: no inline code).
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
