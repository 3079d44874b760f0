// Follows a rota run: polls its status every second and updates the progress bar until it ends.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function show(state) {
    var status = document.getElementById("run-status");
    status.textContent = state.status_words;
    status.setAttribute("data-status", state.status);
    document.getElementById("run-bar").value = state.progress;
    document.getElementById("run-best").textContent = state.best;
    document.getElementById("run-message").textContent = state.message;
    if (state.version_url) {
      var result = document.getElementById("run-result");
      result.querySelector("a").href = state.version_url;
      result.hidden = false;
    }
    return state.status === "queued" || state.status === "running";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) { if (show(state)) { setTimeout(poll, 1000); } else { window.location.reload(); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  var initial = document.getElementById("run-status").getAttribute("data-status");
  if (initial === "queued" || initial === "running") { setTimeout(poll, 1000); }
}());
