// The error summary (templates/_error_summary.html, the GOV.UK pattern): focused when the page opens,
// so a phone shows it and a screen reader reads it; a link in it puts the cursor in its field and
// shows the field's label. Without JavaScript the links still jump to the fields. CSP: no inline code.
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) { return; }
    event.preventDefault();
    var label = document.querySelector("label[for='" + input.id + "']");
    var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    (label || legend || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
