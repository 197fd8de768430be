/* The offline queue: visits and cash receipts are saved on the phone (IndexedDB, through
 * idb-keyval) and sent when the network is there. Each carries the form's `client_key` (a
 * UUID), so the server makes one visit or one receipt however many times a send is retried.
 *
 * A record: {key, user, action, kind, label, details, fields: [[name, value|File]], created,
 *            state, tries, error, sentAt, resultUrl}
 * kind: "visit" or "cash" (the form's data-offline-kind); details of a cash receipt:
 *       {amount, psid, receipt} — kept after sending (the fields are dropped), for the list.
 * state: "waiting" → "sent", or "login" (session ended: log in again, it is then sent), or
 *        "rejected" (the server refused the form; the reason is in `error`).
 *
 * Exposes window.SuthraQueue. No framework; needs idb-keyval (static/vendor/idb-keyval.umd.js).
 */
/* global idbKeyval */
(function () {
  "use strict";

  const store = idbKeyval.createStore("suthra-offline", "visits");
  const channel = "BroadcastChannel" in self ? new BroadcastChannel("suthra-queue") : null;
  const listeners = [];
  const KEEP_SENT_MS = 3 * 24 * 3600 * 1000;

  function changed() {
    listeners.forEach((fn) => fn());
    if (channel) channel.postMessage("changed");
  }
  if (channel) channel.onmessage = () => listeners.forEach((fn) => fn());

  function uuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function all() {
    const values = await idbKeyval.values(store);
    return values.sort((a, b) => (a.created < b.created ? 1 : -1));
  }

  async function put(rec) {
    await idbKeyval.set(rec.key, rec, store);
    changed();
    return rec;
  }

  async function remove(key) {
    await idbKeyval.del(key, store);
    changed();
  }

  async function update(key, patch) {
    let out;
    await idbKeyval.update(
      key,
      (rec) => {
        out = rec ? Object.assign(rec, patch) : rec;
        return out;
      },
      store,
    );
    changed();
    return out;
  }

  /* A record from a form about to be submitted. The form must have an input named client_key. */
  function fromForm(form, submitter, user) {
    const keyInput = form.querySelector("input[name=client_key]");
    if (!keyInput.value) keyInput.value = uuid();
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    // When the visit was recorded: it may be sent hours later.
    const when = form.querySelector("input[name=visited_at]");
    if (when && !when.value) data.set("visited_at", new Date().toISOString());
    const fields = [];
    data.forEach((value, name) => {
      if (name === "csrfmiddlewaretoken") return;
      // An empty file input gives an empty File: not worth storing.
      if (value instanceof File && !value.size) return;
      fields.push([name, value]);
    });
    // What the agent will recognise in the list: the unit's name and survey id when the page
    // shows them (visit form), else the page heading.
    const named = document.querySelector(".unit-head") || document.querySelector("h1");
    // A visit or a cash receipt (records saved before kinds existed are told apart on the
    // queue page by their address).
    const kind = form.dataset.offlineKind || (data.has("amount") ? "cash" : "visit");
    const details = {};
    if (kind === "cash") {
      details.amount = String(data.get("amount") || "");
      details.psid = form.dataset.psid || "";
      details.receipt = String(data.get("receipt_number") || "");
    }
    const label = named
      ? named.innerText
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean)
          .join(" · ")
      : document.title;
    return {
      key: keyInput.value,
      user: user || "",
      action: new URL(form.getAttribute("action") || location.href, location.href).href,
      kind: kind,
      details: details,
      label: form.dataset.offlineLabel || label.slice(0, 160),
      fields: fields,
      created: new Date().toISOString(),
      state: "waiting",
      tries: 0,
      error: "",
      sentAt: "",
      resultUrl: "",
    };
  }

  function errorsIn(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const bits = Array.from(
      doc.querySelectorAll(".errorlist li, .field-error, [role=alert]"),
      (el) => el.textContent.trim(),
    ).filter(Boolean);
    return Array.from(new Set(bits)).join(" · ").slice(0, 500);
  }

  /* Fresh CSRF token: from a page just fetched from the server (the token of a page kept
   * offline may be from an older login). */
  async function freshToken(pageUrl) {
    const response = await fetch(pageUrl, { credentials: "same-origin", cache: "no-store" });
    const html = await response.text();
    const match = html.match(/X-CSRFToken&quot;:\s*&quot;([^&]+)&quot;|"X-CSRFToken":\s*"([^"]+)"/);
    return match ? match[1] || match[2] : "";
  }

  /* Send one record. Returns the new state; never throws. */
  async function send(rec, token, opts) {
    const options = opts || {};
    const body = new FormData();
    rec.fields.forEach(([name, value]) => {
      if (value instanceof Blob) body.append(name, value, value.name || "photo.jpg");
      else body.append(name, value);
    });
    body.set("csrfmiddlewaretoken", token);
    let response;
    try {
      response = await fetch(rec.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "X-Offline-Queue": "1" },
      });
    } catch (err) {
      await update(rec.key, { tries: rec.tries + 1, error: "" });
      return "waiting"; // still no network
    }
    const finalPath = new URL(response.url).pathname;
    if (options.loginPath && finalPath === options.loginPath) {
      await update(rec.key, { state: "login" });
      return "login";
    }
    if (response.status === 403 && options.tokenPage && !options.retried) {
      const again = await freshToken(options.tokenPage);
      if (again && again !== token) {
        return send(rec, again, Object.assign({}, options, { retried: true }));
      }
    }
    if (response.ok && (response.redirected || response.status === 201)) {
      // Sent: drop the photo from the phone, keep a short line for "sent" history.
      await update(rec.key, {
        state: "sent",
        sentAt: new Date().toISOString(),
        resultUrl: response.url,
        fields: [],
        error: "",
      });
      return "sent";
    }
    if (response.status >= 500 || response.status === 429) {
      await update(rec.key, { tries: rec.tries + 1, error: String(response.status) });
      return "waiting"; // server trouble: try again later
    }
    const text = await response.text();
    await update(rec.key, {
      state: "rejected",
      error: errorsIn(text) || `HTTP ${response.status}`,
    });
    return "rejected";
  }

  /* Send everything waiting for `user`. One sync at a time across tabs (Web Locks). */
  async function sync(user, token, opts) {
    const run = async () => {
      const out = { sent: 0, waiting: 0, login: 0, rejected: 0 };
      const now = Date.now();
      for (const rec of await all()) {
        if (rec.user !== user) continue;
        if (rec.state === "sent") {
          if (now - Date.parse(rec.sentAt) > KEEP_SENT_MS) await remove(rec.key);
          continue;
        }
        if (rec.state === "rejected") continue;
        const state = await send(rec, token, opts);
        out[state] += 1;
        if (state === "waiting" && !navigator.onLine) break;
      }
      return out;
    };
    if (navigator.locks) return navigator.locks.request("suthra-queue-sync", run);
    return run();
  }

  self.SuthraQueue = {
    all,
    put,
    remove,
    update,
    fromForm,
    send,
    sync,
    uuid,
    onChange: (fn) => listeners.push(fn),
  };
})();
