/* The public lists' filters (templates/opendata/_filters.html, issue 11 item 8): folded on a phone,
   open on a desktop, and the summary counts the filters chosen. Without JavaScript they stay open. */
(function () {
  "use strict";

  function count(form) {
    var names = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit" || el.type === "button") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.value !== "") names[el.name] = true;
    });
    return Object.keys(names).length;
  }

  function update(box) {
    var form = box.querySelector("form");
    var badge = box.querySelector("[data-filter-count]");
    if (!form || !badge) return;
    var n = count(form);
    badge.textContent = badge.textContent.replace(/\d+/, String(n));
    badge.hidden = n === 0;
  }

  function init() {
    document.querySelectorAll("details[data-fold-below]").forEach(function (box) {
      if (window.matchMedia("(max-width: " + box.getAttribute("data-fold-below") + ")").matches) {
        box.open = false;
      }
      box.addEventListener("change", function () { update(box); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
