// Small behaviours on top of htmx. Every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  // Show the server's Indonesian message when a fragment request fails (422/4xx/5xx).
  var target = event.detail.target;
  var status = event.detail.xhr.status;
  if (status === 422 && event.detail.xhr.responseText) {
    target.innerHTML = event.detail.xhr.responseText;
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
