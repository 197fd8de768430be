/* Phone niceties on every page (issue 19), no settings:
 *  - Filter forms folded into <details class="filter-fold"> stay folded on a phone and open
 *    from 600 px up, where the form fits beside the list (also after an htmx swap).
 *  - "Install app": shown when the browser offers to install (beforeinstallprompt), asks it
 *    to prompt on a tap, and hides again once installed or when already running as the app.
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

  // --- Install -----------------------------------------------------------------------------
  const standalone = () =>
    window.matchMedia("(display-mode: standalone)").matches || window.navigator.standalone === true;
  let offer = null;

  function controls() {
    return document.querySelectorAll("[data-install-app]");
  }
  function show(visible) {
    controls().forEach((el) => {
      el.hidden = !visible;
    });
    // The help link is for browsers that never offer: not needed once the button is there.
    document.querySelectorAll("[data-install-help]").forEach((el) => {
      el.hidden = visible || standalone();
    });
  }

  window.addEventListener("beforeinstallprompt", (event) => {
    // Keep the browser's own mini-bar away; the button asks when the agent chooses to.
    event.preventDefault();
    if (standalone()) return;
    offer = event;
    show(true);
  });
  window.addEventListener("appinstalled", () => {
    offer = null;
    show(false);
  });
  document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element && event.target.closest("[data-install-app] button, button[data-install-app]");
    if (!button || !offer) return;
    const asked = offer;
    offer = null;
    await asked.prompt();
    let outcome = "dismissed";
    try {
      outcome = (await asked.userChoice).outcome;
    } catch (err) {
      outcome = "dismissed";
    }
    // Chrome offers again later (a new beforeinstallprompt) if the agent said no.
    show(false);
    document.documentElement.dataset.installOutcome = outcome;
  });
  if (standalone()) show(false);
})();
