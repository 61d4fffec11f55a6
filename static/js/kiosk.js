// Kiosk pages return to their start for the next visitor, but only with a visible countdown
// and a "Saya masih di sini" button (no meta refresh: an elderly visitor may still be reading).
// Markup (templates/_kiosk_countdown.html): <div data-kiosk-reset="URL" data-seconds="N"> with
// [data-countdown] and [data-stay] inside. Printing and double-submit guards live in app.js.
(function () {
  function start(box) {
    var total = parseInt(box.getAttribute("data-seconds"), 10) || 120;
    var left = total;
    var shown = box.querySelector("[data-countdown]");
    var said = box.querySelector("[data-countdown-said]");  // polite: read out at the start and near the end
    function say(text) { if (said) said.textContent = text; }
    box.hidden = false;
    say("Layar ini kembali ke awal dalam " + total + " detik. Tekan Saya masih di sini untuk tetap di halaman ini.");
    var timer = window.setInterval(function () {
      left -= 1;
      if (shown) shown.textContent = String(Math.max(left, 0));
      if (left === 30 || left === 10) say("Tinggal " + left + " detik sebelum layar kembali ke awal.");
      if (left <= 0) {
        window.clearInterval(timer);
        window.location.assign(box.getAttribute("data-kiosk-reset"));
      }
    }, 1000);
    var stay = box.querySelector("[data-stay]");
    if (stay) stay.addEventListener("click", function () {
      left = total;
      if (shown) shown.textContent = String(total);
      say("Waktu diperpanjang: " + total + " detik lagi.");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kiosk-reset]").forEach(start);
  });
})();
