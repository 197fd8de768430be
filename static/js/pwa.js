/* The phone app on every page: registers the service worker, keeps the worklist for offline
 * use, queues visit and cash forms (any form with an input named client_key) and sends the
 * queue when the network is back, shows "waiting to send" in the top bar, and draws the queue
 * page (each record with its kind: visit or cash receipt).
 *
 * Settings come from data- attributes of this script's tag (templates/pwa/_scripts.html).
 */
/* global SuthraQueue */
(function () {
  "use strict";

  const tag = document.currentScript;
  const cfg = {
    sw: tag.dataset.sw,
    queue: tag.dataset.queue,
    login: tag.dataset.login,
    worklist: tag.dataset.worklist || "",
    user: tag.dataset.user || "",
  };
  const RETRY_MS = 30000;
  const KEEP_EVERY_MS = 10 * 60 * 1000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }
  const sendOptions = { loginPath: cfg.login, tokenPage: cfg.queue };

  // --- Service worker -------------------------------------------------------------------
  function keepForOffline(registration) {
    const worker = (registration && registration.active) || navigator.serviceWorker.controller;
    if (!cfg.user || !navigator.onLine || !worker) return;
    const urls = new Set();
    if (cfg.worklist && location.pathname === cfg.worklist) {
      // The visit forms the worklist links to (the worklist itself was kept as it loaded).
      document.querySelectorAll("main a[href]").forEach((a) => urls.add(a.href));
    }
    const last = Number(sessionStorage.getItem("suthra-kept") || 0);
    if (Date.now() - last > KEEP_EVERY_MS) {
      sessionStorage.setItem("suthra-kept", String(Date.now()));
      if (cfg.worklist) urls.add(new URL(cfg.worklist, location.href).href);
      urls.add(new URL(cfg.queue, location.href).href);
    }
    urls.delete(location.href);
    if (urls.size) {
      worker.postMessage({ type: "keep", urls: Array.from(urls) });
    }
  }

  if ("serviceWorker" in navigator && cfg.sw) {
    navigator.serviceWorker
      .register(cfg.sw, { scope: "/" })
      .then(() => navigator.serviceWorker.ready)
      .then(keepForOffline)
      .catch(() => undefined);
  }

  // --- Top-bar count of records waiting ------------------------------------------------------
  async function mine() {
    if (!cfg.user) return [];
    return (await SuthraQueue.all()).filter((r) => r.user === cfg.user);
  }

  async function showPending() {
    const pill = document.querySelector(".pwa-pending");
    if (!pill) return;
    const waiting = (await mine()).filter((r) => r.state !== "sent").length;
    pill.querySelector(".pwa-count").textContent = String(waiting);
    pill.hidden = waiting === 0;
  }

  // --- Sending --------------------------------------------------------------------------
  let syncing = false;
  async function syncNow() {
    if (!cfg.user || syncing || !navigator.onLine) return;
    syncing = true;
    try {
      await SuthraQueue.sync(cfg.user, csrfToken(), sendOptions);
    } finally {
      syncing = false;
    }
  }

  window.addEventListener("online", syncNow);
  setInterval(syncNow, RETRY_MS);
  SuthraQueue.onChange(showPending);

  // --- Visit and cash forms: always go through the queue -----------------------------------
  // Saved first, then sent: a lost connection, a closed tab or a double tap never loses or
  // doubles a visit or a receipt (the server returns the first one for a repeated client_key).
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (!form.querySelector("input[name=client_key]") || form.dataset.pwaNative) return;
    if (!cfg.user || !("indexedDB" in window)) return;
    event.preventDefault();
    const button = event.submitter;
    if (button) button.disabled = true;
    let rec;
    try {
      rec = await SuthraQueue.put(SuthraQueue.fromForm(form, button, cfg.user));
    } catch (err) {
      // Phone storage refused (private mode, full disk): submit the ordinary way.
      form.dataset.pwaNative = "1";
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    const saved = cfg.queue + "?saved=" + encodeURIComponent(rec.key);
    if (!navigator.onLine) {
      location.assign(saved);
      return;
    }
    const state = await SuthraQueue.send(rec, csrfToken(), sendOptions);
    if (state === "sent") {
      const done = (await SuthraQueue.all()).find((r) => r.key === rec.key);
      location.assign((done && done.resultUrl) || cfg.queue);
    } else if (state === "rejected") {
      // The server found a mistake in the form: submit it normally so the errors show.
      await SuthraQueue.remove(rec.key);
      form.dataset.pwaNative = "1";
      HTMLFormElement.prototype.submit.call(form);
    } else if (state === "login") {
      location.assign(cfg.login + "?next=" + encodeURIComponent(cfg.queue));
    } else {
      location.assign(saved);
    }
  });

  // --- The queue page -----------------------------------------------------------------------
  const list = document.getElementById("pwa-queue");

  function fmtTime(iso) {
    if (!iso) return "";
    const lang = document.documentElement.lang || "en";
    return new Date(iso).toLocaleString(lang === "ur" ? "ur-PK-u-nu-latn" : "en-PK", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }

  function kindOf(rec) {
    if (rec.kind) return rec.kind;
    return /\/cash\/collect\//.test(rec.action || "") ? "cash" : "visit";
  }

  /* "Rs 1,200 · PSID 1000… · Receipt LAH-0007-000001" for a cash receipt; "" for a visit. */
  function detailOf(rec, labels) {
    const d = rec.details || {};
    if (kindOf(rec) !== "cash") return "";
    const parts = [];
    if (d.amount) parts.push("Rs " + Number(d.amount).toLocaleString("en-PK"));
    if (d.psid) parts.push("PSID " + d.psid);
    if (d.receipt) parts.push((labels.receiptLabel || "Receipt") + " " + d.receipt);
    return parts.join(" · ");
  }

  async function drawQueue() {
    if (!list) return;
    const labels = list.dataset;
    const rows = await mine();
    const tpl = document.getElementById("pwa-queue-item");
    list.replaceChildren();
    let waiting = 0;
    let sent = 0;
    rows.forEach((rec) => {
      const li = tpl.content.firstElementChild.cloneNode(true);
      li.dataset.state = rec.state;
      li.dataset.key = rec.key;
      const kind = kindOf(rec);
      li.dataset.kind = kind;
      const badge = li.querySelector(".q-kind");
      badge.textContent = kind === "cash" ? labels.kindCash : labels.kindVisit;
      badge.className = "q-kind badge badge-kind-" + kind;
      li.querySelector(".q-detail").textContent = detailOf(rec, labels);
      li.querySelector(".q-label").textContent = rec.label;
      li.querySelector(".q-state").textContent = labels[rec.state] || rec.state;
      li.querySelector(".q-state").className = "q-state badge badge-" + rec.state;
      li.querySelector(".q-time").textContent =
        rec.state === "sent" ? fmtTime(rec.sentAt) : fmtTime(rec.created);
      li.querySelector(".q-error").textContent = rec.error && rec.state === "rejected" ? rec.error : "";
      const link = li.querySelector(".q-open");
      if (rec.resultUrl) link.href = rec.resultUrl;
      else link.remove();
      const del = li.querySelector(".q-delete");
      if (rec.state === "rejected") del.addEventListener("click", () => SuthraQueue.remove(rec.key));
      else del.remove();
      list.appendChild(li);
      if (rec.state === "sent") sent += 1;
      else waiting += 1;
    });
    document.getElementById("pwa-count-waiting").textContent = String(waiting);
    document.getElementById("pwa-count-sent").textContent = String(sent);
    document.getElementById("pwa-empty").hidden = rows.length > 0;
    document.getElementById("pwa-offline-note").hidden = navigator.onLine;
  }

  if (list) {
    SuthraQueue.onChange(drawQueue);
    window.addEventListener("online", drawQueue);
    window.addEventListener("offline", drawQueue);
    const sendButton = document.getElementById("pwa-send-now");
    if (sendButton) sendButton.addEventListener("click", syncNow);
    if (new URLSearchParams(location.search).has("saved")) {
      document.getElementById("pwa-saved-note").hidden = false;
    }
    drawQueue();
  }

  // A visit form may come from the phone's copy of an old page: every opening of the form gets
  // its own key, so two visits recorded from one kept page are two visits, not one.
  document.querySelectorAll("form input[name=client_key]").forEach((input) => {
    input.value = SuthraQueue.uuid();
  });

  // The worklist (perhaps the copy kept offline): tick units with a visit saved on the phone.
  async function markSaved() {
    if (!cfg.worklist || location.pathname !== cfg.worklist) return;
    const today = new Date().toDateString();
    const saved = new Set(
      (await mine())
        .filter((r) => new Date(r.created).toDateString() === today)
        .map((r) => r.action),
    );
    document.querySelectorAll("main a[href]").forEach((a) => {
      if (saved.has(a.href) && !a.classList.contains("pwa-saved") && !a.dataset.noMark) {
        a.classList.add("pwa-saved");
        a.textContent = "✓ " + (tag.dataset.savedLabel || a.textContent);
      }
    });
  }

  showPending();
  markSaved();
  syncNow();
})();
