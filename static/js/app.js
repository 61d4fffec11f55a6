// Small behaviours on top of htmx. Every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  // Show the server's Indonesian message when a fragment request fails (422/4xx/5xx).
  var target = event.detail.target;
  var status = event.detail.xhr.status;
  if (status === 422 && event.detail.xhr.responseText) {
    target.innerHTML = event.detail.xhr.responseText;
  }
});
