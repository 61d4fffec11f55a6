// Small behaviours on top of htmx. Every page works without this file.
// A refused form (422) is swapped like any answer: a fragment into its target, a boosted form's
// whole page by htmx's own page swap (title and body content; no <meta>/<title> left in the body).
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 422 && event.detail.xhr.responseText) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// hx-boost and Back/Forward swap only the body's content: take over the new page's body
// class (narrow login box, large kiosk type) and its CSRF header too.
function adoptBodyOf(html) {
  var match = /<body([^>]*)>/i.exec(html || "");
  if (!match) return;
  var probe = new DOMParser().parseFromString("<div" + match[1] + "></div>", "text/html").body.firstChild;
  document.body.className = probe.className;
  var headers = probe.getAttribute("hx-headers");
  if (headers) document.body.setAttribute("hx-headers", headers);
}
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.boosted) adoptBodyOf(event.detail.xhr.responseText);
});
document.addEventListener("htmx:historyRestore", function (event) {
  if (event.detail.serverResponse) adoptBodyOf(event.detail.serverResponse);
});

// ---- issue 15: errors a person can find ------------------------------------------------------
// The error summary of a refused form takes the focus, on a full page and after an htmx swap,
// so the message is read out and the clerk or visitor starts from it.
function focusErrorSummary(root) {
  var summary = (root || document).querySelector("[data-error-summary]");
  if (summary) summary.focus();
}
document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
document.addEventListener("htmx:afterSettle", function (event) { focusErrorSummary(event.detail.target || event.detail.elt); });

// A failed htmx request (403/404/500, or no answer at all) says so in Indonesian instead of
// doing nothing on screen.
var REQUEST_FAILED = {
  403: "Anda tidak berwenang membuka halaman atau melakukan tindakan ini.",
  404: "Halaman atau data yang diminta tidak ditemukan.",
  429: "Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.",
  503: "Aplikasi sedang sibuk (misalnya menyimpan hasil sinkronisasi); permintaan Anda belum diproses dan " +
       "tidak ada data yang hilang. Tunggu beberapa detik lalu coba lagi."
};
function showRequestProblem(text) {
  var box = document.getElementById("request-problem");
  if (!box) {
    box = document.createElement("div");
    box.id = "request-problem";
    box.className = "flash flash-error request-problem";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    var main = document.querySelector("main") || document.body;
    main.insertBefore(box, main.firstChild);
  }
  box.textContent = text;
  box.focus();
}
document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr.status;
  if (status === 422) return;  // a refused form: the answer is the form with its messages (above)
  showRequestProblem(REQUEST_FAILED[status] ||
    "Terjadi kesalahan di aplikasi (kode " + status + "). Data yang sudah tersimpan tidak hilang; coba lagi.");
});
document.addEventListener("htmx:sendError", function () {
  showRequestProblem("Tidak dapat menghubungi aplikasi. Periksa apakah komputer loket menyala, lalu coba lagi.");
});


// Behaviours that used to be inline handlers: the Content-Security-Policy allows no inline script.
// <button data-print> prints the page; <form data-confirm="..."> asks first;
// <form data-disable-on-submit> stops a double submit; <img data-remove-if-broken> hides a missing logo.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    return;
  }
  if (form.hasAttribute("data-disable-on-submit")) {
    var submit = form.querySelector("button[type=submit]");
    if (submit) setTimeout(function () { submit.disabled = true; }, 0);
  }
}, true);
document.addEventListener("error", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-remove-if-broken")) event.target.remove();
}, true);
// <input type="checkbox" data-select-all="NAME"> ticks or clears every checkbox named NAME.
document.addEventListener("click", function (event) {
  var name = event.target.getAttribute && event.target.getAttribute("data-select-all");
  if (!name) return;
  document.querySelectorAll("input[name=" + name + "]").forEach(function (box) { box.checked = event.target.checked; });
});
// <span data-count-of="NAME"> says how many checkboxes named NAME are ticked (the print run's button).
document.addEventListener("change", function (event) {
  var name = event.target.name || event.target.getAttribute("data-select-all");
  if (!name || event.target.type !== "checkbox") return;
  document.querySelectorAll("[data-count-of=" + name + "]").forEach(function (count) {
    count.textContent = document.querySelectorAll("input[name=" + name + "]:checked").length;
  });
});

// A search box that searches while typing ([data-live-search]) keeps its `change` (fired when it
// loses the focus) from its filter form: the form would search again and swap the results between
// the press and the release of the clerk's click on one of them, and the click would be lost.
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("[data-live-search]")) event.stopPropagation();
}, true);
