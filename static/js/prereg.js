// Accepting a desa pre-registration at the counter: every field whose value now differs from what the
// desa typed gets a yellow mark, so the clerk sees at a glance what they changed (the server records
// the same differences on save; without JavaScript only that record exists).
(function () {
  function setup() {
    var form = document.querySelector("form[data-original]");
    if (!form || form.dataset.originalReady) return;
    form.dataset.originalReady = "1";
    var original = JSON.parse(form.dataset.original);
    function value(name) {
      var inputs = form.querySelectorAll("[name='" + name + "']");
      if (!inputs.length) return null;
      if (inputs[0].type === "radio") {
        var checked = form.querySelector("[name='" + name + "']:checked");
        return checked ? checked.value : "";
      }
      if (inputs[0].type === "checkbox") return inputs[0].checked ? "1" : "0";
      return inputs[0].value.trim();
    }
    function mark() {
      Object.keys(original).forEach(function (name) {
        var now = value(name);
        if (now === null) return;
        var wrapper = form.querySelector("[name='" + name + "']").closest(".field");
        if (wrapper) wrapper.classList.toggle("field-changed", now !== String(original[name]).trim());
      });
    }
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    mark();
  }
  document.addEventListener("DOMContentLoaded", setup);
  document.addEventListener("htmx:load", setup);
})();
