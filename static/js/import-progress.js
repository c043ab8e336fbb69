// Polls an import's progress endpoint and updates the progress bar and counts in place.
// When the import stops running (checked, imported, failed), reloads once to show the report.
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section || section.dataset.running !== "true") { return; }
  var url = section.dataset.progressUrl;
  var bar = section.querySelector("progress");
  function update(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    section.querySelectorAll("[data-field]").forEach(function (el) {
      var value = data[el.dataset.field];
      if (value !== undefined) { el.textContent = value; }
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        update(data);
        if (data.running) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
