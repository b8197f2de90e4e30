// Live progress of one run: poll its JSON status and reload the page when it finishes.
"use strict";
(function () {
  var box = document.getElementById("progress-box");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("run-progress");
  var text = document.getElementById("run-message");
  var badge = document.getElementById("run-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        bar.value = state.progress;
        text.textContent = state.message;
        badge.textContent = state.status;
        if (state.status === "queued" || state.status === "running") {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
