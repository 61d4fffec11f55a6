// Center "Impor USB": send the chosen files one per request, in name order, with a progress
// bar; each answer is that file's result. Without this script the form sends them together.
(function () {
  var form = document.querySelector("[data-usb-import]");
  if (!form || !window.fetch || !window.FormData) return;
  form.addEventListener("submit", function (event) {
    var files = [];
    form.querySelectorAll('input[type="file"]').forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (file) {
        if (/\.lkb$/i.test(file.name)) files.push(file);
      });
    });
    if (!files.length) return; // let the server say what is missing
    event.preventDefault();
    files.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
    var token = form.querySelector('input[name="csrf_token"]').value;
    var box = document.getElementById("usb-progress");
    var bar = document.getElementById("usb-progress-bar");
    var results = document.getElementById("usb-results");
    box.hidden = false;
    bar.max = files.length;
    bar.value = 0;
    box.querySelector("[data-usb-total]").textContent = files.length;
    results.innerHTML = "<h2>Hasil impor (" + files.length + " berkas)</h2>";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var next = function (index) {
      if (index >= files.length) { button.disabled = false; return; }
      var data = new FormData();
      data.append("csrf_token", token);
      data.append("batch", files[index], files[index].name);
      fetch(form.action || window.location.href, {method: "POST", body: data, credentials: "same-origin",
                                                  headers: {"X-Loket-Upload": "satu"}})
        .then(function (response) { return response.text(); })
        .then(function (html) { results.insertAdjacentHTML("beforeend", html); })
        .catch(function () {
          results.insertAdjacentHTML("beforeend", "<p class=\"flash flash-error\">" + files[index].name +
            ": gagal dikirim ke pusat cetak; coba impor berkas ini lagi.</p>");
        })
        .then(function () {
          bar.value = index + 1;
          box.querySelector("[data-usb-count]").textContent = index + 1;
          next(index + 1);
        });
    };
    next(0);
  });
})();
