// Kiosk pages return to their start for the next visitor, but only with a visible countdown
// and a "Saya masih di sini" button (no meta refresh: an elderly visitor may still be reading).
// Markup: <div data-kiosk-reset="URL" data-seconds="N"> with [data-countdown] and [data-stay] inside.
(function () {
  function start(box) {
    var total = parseInt(box.getAttribute("data-seconds"), 10) || 120;
    var left = total;
    var shown = box.querySelector("[data-countdown]");
    box.hidden = false;
    var timer = window.setInterval(function () {
      left -= 1;
      if (shown) shown.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        window.clearInterval(timer);
        window.location.assign(box.getAttribute("data-kiosk-reset"));
      }
    }, 1000);
    var stay = box.querySelector("[data-stay]");
    if (stay) stay.addEventListener("click", function () {
      left = total;
      if (shown) shown.textContent = String(total);
    });
  }
  // Print buttons without inline handlers (Content-Security-Policy without unsafe-inline).
  function wirePrint(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      if (button.dataset.printWired) return;
      button.dataset.printWired = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }
  // A form sent once: its submit button is disabled so a double tap stores nothing twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-disable-on-submit")) return;
    var button = form.querySelector("button[type=submit]");
    if (button) window.setTimeout(function () { button.disabled = true; }, 0);
  });
  function init() {
    document.querySelectorAll("[data-kiosk-reset]").forEach(start);
    wirePrint(document);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", function (event) { wirePrint(event.detail.elt); });
})();
