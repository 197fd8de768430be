// The ticket form shows the fields of the chosen problem type only (the new billing name and
// mobile belong to "Name / mobile change"); the server ignores them for other types.
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector("select[name=type]");
    if (!select) return;
    form.querySelectorAll("[data-ticket-type]").forEach(function (row) {
      row.hidden = row.getAttribute("data-ticket-type") !== select.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ticket-form");
    if (!form) return;
    sync(form);
    form.addEventListener("change", function (e) {
      if (e.target && e.target.name === "type") sync(form);
    });
  });
})();
