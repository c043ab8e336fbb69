// Print packs page: while a pack is being built, look again every few seconds.
(function () {
  "use strict";
  var table = document.getElementById("print-packs");
  if (table && table.dataset.building === "true") {
    window.setTimeout(function () { window.location.reload(); }, 5000);
  }
})();
