/* Units browser: let htmx show the filter errors of a 400 answer instead of ignoring it. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 400 && event.detail.target && event.detail.target.id === "unit-results") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A new city empties the union council; the list waits for the new choice.
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_city") {
      var uc = document.getElementById("id_uc");
      if (uc) { uc.value = ""; }
    }
  });
})();
