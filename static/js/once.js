// Forms marked data-once="Sending…": once sent, their submit buttons are disabled and the pressed
// one says what data-once says, so a double press sends the form once. The server refuses a second
// sending anyway (core/once.py); without JavaScript the form works as usual. CSP: no inline code.
(function () {
  "use strict";

  var BUTTONS = "button:not([type]), button[type='submit'], input[type='submit']";

  function buttonsOf(form) {
    return Array.prototype.slice.call(form.querySelectorAll(BUTTONS));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once")) { return; }
    if (form.getAttribute("data-once-sent") === "1") {
      event.preventDefault();  // a second press before the buttons were disabled
      return;
    }
    form.setAttribute("data-once-sent", "1");
    var pressed = event.submitter || null;
    // After this event: the pressed button's name and value are already part of what is sent.
    window.setTimeout(function () {
      if (event.defaultPrevented) {  // another script (htmx) handled the sending: nothing to lock
        form.removeAttribute("data-once-sent");
        return;
      }
      buttonsOf(form).forEach(function (button) {
        if (!button.disabled) {
          button.disabled = true;
          button.setAttribute("data-once-disabled", "1");
        }
      });
      if (pressed && pressed.tagName === "BUTTON" && form.getAttribute("data-once")) {
        pressed.setAttribute("data-once-label", pressed.textContent);
        pressed.textContent = form.getAttribute("data-once");
      }
      form.setAttribute("aria-busy", "true");
    }, 0);
  });

  // Back to this page from the browser's memory (back/forward cache): the forms work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-once-sent]"), function (form) {
      form.removeAttribute("data-once-sent");
      form.removeAttribute("aria-busy");
      buttonsOf(form).forEach(function (button) {
        if (button.hasAttribute("data-once-disabled")) {
          button.disabled = false;
          button.removeAttribute("data-once-disabled");
        }
        if (button.hasAttribute("data-once-label")) {
          button.textContent = button.getAttribute("data-once-label");
          button.removeAttribute("data-once-label");
        }
      });
    });
  });
})();
