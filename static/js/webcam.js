// Webcam capture for the KTP-el photo: shows a "camera" button where getUserMedia exists and puts
// the snapshot into the form's file input, so the server gets it exactly like an uploaded file.
// Without a camera (or JavaScript) the plain file input is all there is.
(function () {
  function setup(root) {
    if (root.dataset.webcamReady) return;
    root.dataset.webcamReady = "1";
    var panel = root.querySelector(".webcam");
    var input = root.querySelector("input[type=file]");
    if (!panel || !input || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) return;
    panel.hidden = false;
    var video = root.querySelector("[data-webcam-video]");
    var shot = root.querySelector("[data-webcam-shot]");
    var canvas = root.querySelector("[data-webcam-canvas]");
    var status = root.querySelector("[data-webcam-status]");
    var stream = null;
    root.querySelector("[data-webcam-start]").addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false })
        .then(function (s) {
          stream = s; video.srcObject = s; video.hidden = false; shot.hidden = false;
          status.textContent = "Posisikan wajah di tengah, lalu tekan Ambil foto.";
        })
        .catch(function () { status.textContent = "Kamera tidak dapat dibuka. Gunakan unggah berkas."; });
    });
    shot.addEventListener("click", function () {
      if (!stream) return;
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        var file = new File([blob], "kamera.jpg", { type: "image/jpeg" });
        var files = new DataTransfer();
        files.items.add(file);
        input.files = files.files;
        // as a chosen file does: the form's check of the photo (htmx on the input, when it has one) runs now
        input.dispatchEvent(new Event("change", { bubbles: true }));
        status.textContent = "Foto dari kamera siap disimpan (" + Math.round(blob.size / 1024) + " KB).";
        stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null; video.hidden = true; shot.hidden = true;
        canvas.hidden = false; canvas.style.maxWidth = "240px";
      }, "image/jpeg", 0.92);
    });
  }
  function scan() { document.querySelectorAll("[data-webcam]").forEach(setup); }
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:load", scan);
  scan();
})();
