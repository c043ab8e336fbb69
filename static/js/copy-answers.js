// "Fill in the ICO's online form": copy an answer with one click and tick it once pasted.
// Ticks are kept in this browser only (localStorage), per incident and per version of the
// report's content, so a changed report starts unticked. No answer text is stored.
(function () {
  "use strict";
  var root = document.getElementById("copy-answers");
  if (!root) { return; }
  var key = root.dataset.store;
  var progress = document.getElementById("copy-progress");
  var total = parseInt(progress.dataset.total, 10) || 0;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function save(ticks) {
    try { window.localStorage.setItem(key, JSON.stringify(ticks)); } catch (e) { /* private mode: ticks last this page */ }
  }
  function count() {
    var done = root.querySelectorAll("input[data-pasted]:checked").length;
    progress.textContent = done + " of " + total + " answers pasted into the ICO's form.";
  }
  function copied(id, text) {
    var status = root.querySelector('[data-copied-for="' + id + '"]');
    if (status) { status.textContent = text; }
  }

  var ticks = load();
  root.querySelectorAll("input[data-pasted]").forEach(function (box) {
    box.checked = ticks[box.dataset.pasted] === true;
    box.addEventListener("change", function () {
      var now = load();
      if (box.checked) { now[box.dataset.pasted] = true; } else { delete now[box.dataset.pasted]; }
      save(now);
      count();
    });
  });
  root.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      if (!field) { return; }
      var done = function () { copied(button.dataset.copy, "Copied"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          field.select();
          copied(button.dataset.copy, document.execCommand("copy") ? "Copied" : "Select the text and copy it");
        });
      } else {
        field.focus();
        field.select();
        copied(button.dataset.copy, document.execCommand("copy") ? "Copied" : "Select the text and copy it");
      }
    });
  });
  count();
})();
