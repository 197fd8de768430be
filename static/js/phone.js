/* Phone niceties on every page (issue 19), no settings:
 *  - Filter forms folded into <details class="filter-fold"> stay folded on a phone and open
 *    from 600 px up, where the form fits beside the list (also after an htmx swap).
 */
(function () {
  "use strict";

  const wide = window.matchMedia("(min-width: 37.5rem)");

  function openFolds(root) {
    if (!wide.matches) return;
    (root || document).querySelectorAll("details.filter-fold:not([open])").forEach((d) => {
      d.open = true;
    });
  }
  openFolds(document);
  document.addEventListener("htmx:load", (event) => openFolds(event.target));
  wide.addEventListener("change", () => openFolds(document));
})();
