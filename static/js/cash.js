/* Field cash on the phone: keeps a block of reserved receipt numbers (localStorage, per user)
 * so a receipt written offline has its own number at once, and gives each offline cash form its
 * receipt number and time before pwa.js queues it (the form has a client_key, so it is sent
 * once, whenever the network is back). No inline scripts (Content-Security-Policy). */
(function () {
  "use strict";

  var form = document.getElementById("cash-form");
  if (!form) return;
  var pwaTag = document.querySelector("script[data-sw]");
  var user = (pwaTag && pwaTag.dataset.user) || "";
  var KEY = "suthra-receipt-numbers:" + user;
  var LOW = 5;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }

  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "[]");
    } catch (err) {
      return [];
    }
  }

  function save(numbers) {
    localStorage.setItem(KEY, JSON.stringify(numbers));
  }

  /* Ask the server for another block when few numbers are left (only online). */
  function refill() {
    if (!user || !navigator.onLine || load().length >= LOW) return Promise.resolve();
    return fetch(form.dataset.blocks, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.numbers) {
          var have = load();
          data.numbers.forEach(function (n) { if (have.indexOf(n) < 0) have.push(n); });
          save(have);
        }
      })
      .catch(function () { return undefined; });
  }

  function showOffline() {
    var note = document.getElementById("cash-offline-note");
    if (note) note.hidden = navigator.onLine;
  }

  form.addEventListener("submit", function () {
    var when = form.querySelector("input[name=collected_at]");
    if (when && !when.value) when.value = new Date().toISOString();
    var numberInput = form.querySelector("input[name=receipt_number]");
    if (!navigator.onLine && numberInput && !numberInput.value) {
      var numbers = load();
      var number = numbers.shift();
      if (number) {
        numberInput.value = number;
        save(numbers);
      }
    }
  });

  window.addEventListener("online", function () { showOffline(); refill(); });
  window.addEventListener("offline", showOffline);
  showOffline();
  refill();
  window.SuthraCash = { numbers: load, refill: refill };
})();
