// Notifications page: live batch progress, and "select all" for bulk ticking.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (box) {
    var bar = document.getElementById("batch-bar");
    var text = document.getElementById("batch-text");
    var poll = function () {
      fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (p) {
          bar.value = p.percent;
          bar.textContent = p.percent + "%";
          text.textContent = p.finished
            ? "Finished: " + p.done + " of " + p.total + " processed (" + p.withheld + " withheld for another channel or restriction, " + p.failed + " failed)."
            : "Working: " + p.done + " of " + p.total + " processed (" + p.percent + "%).";
          if (!p.finished) {
            window.setTimeout(poll, 1500);
          } else if (box.dataset.drawnWhileRunning === "true") {
            // The counts and the list below were drawn before the letters existed: show them.
            window.location.reload();
          }
        })
        .catch(function () { text.textContent = "Could not load progress; refresh the page to try again."; });
    };
    poll();
  }
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll(".row-select").forEach(function (cb) { cb.checked = all.checked; });
    });
  }
})();
