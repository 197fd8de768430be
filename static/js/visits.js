/* Field work: GPS capture with accuracy, photo preview, "near me" links, single submit.
   No inline scripts (Content-Security-Policy); everything hooks on classes and ids. */
(function () {
  "use strict";

  // Translated text from the page (suthra/core/js_strings.py); English if it is missing.
  var T = JSON.parse((document.getElementById("js-strings") || {}).textContent || "{}");
  function t(key, english, arg) { return (T[key] || english).replace("{0}", arg); }
  // The browser's own error text is English: name the reason ourselves.
  function gpsReason(err) {
    if (err.code === 1) return t("gps_denied", "location permission refused");
    if (err.code === 3) return t("gps_timeout", "took too long");
    return t("gps_unavailable", "position not available");
  }

  var GPS_OPTIONS = { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 };

  function setStatus(text, cls) {
    var nodes = document.querySelectorAll(".gps-status");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = text;
      nodes[i].classList.remove("gps-ok", "gps-weak", "gps-bad");
      if (cls) nodes[i].classList.add(cls);
    }
  }

  function haversine(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dp / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dl / 2), 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /* The visit form: fill the hidden lat/lon/accuracy fields. */
  function captureGps(form) {
    var lat = document.getElementById("gps-lat");
    var lon = document.getElementById("gps-lon");
    var acc = document.getElementById("gps-accuracy");
    if (!lat || !lon || !acc) return;
    if (!("geolocation" in navigator)) {
      setStatus(t("gps_none", "This phone gives no GPS position; the visit will be flagged."), "gps-bad");
      return;
    }
    setStatus(t("gps_getting", "Getting your GPS position…"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      acc.value = Math.round(pos.coords.accuracy);
      var text = t("gps_accuracy", "GPS ± {0} m", Math.round(pos.coords.accuracy));
      var ulat = parseFloat(form.getAttribute("data-unit-lat"));
      var ulon = parseFloat(form.getAttribute("data-unit-lon"));
      if (!isNaN(ulat) && !isNaN(ulon)) {
        text += " · " + t("gps_distance", "{0} m from the unit",
          Math.round(haversine(pos.coords.latitude, pos.coords.longitude, ulat, ulon)));
      }
      setStatus(text, pos.coords.accuracy > 50 ? "gps-weak" : "gps-ok");
    }, function (err) {
      setStatus(t("gps_failed", "No GPS position ({0}). Step outside and press Retry GPS.", gpsReason(err)), "gps-bad");
    }, GPS_OPTIONS);
  }

  function initVisitForm() {
    var form = document.getElementById("visit-form");
    if (!form) return;
    captureGps(form);
    var retry = form.querySelector(".js-gps-retry");
    if (retry) retry.addEventListener("click", function () { captureGps(form); });
    var key = form.querySelector("input[name=client_key]");
    if (key && !key.value && window.crypto && crypto.randomUUID) key.value = crypto.randomUUID();
    var when = form.querySelector("input[name=visited_at]");
    if (when && !when.value) when.value = new Date().toISOString();
    var input = form.querySelector("input[type=file]");
    var preview = document.getElementById("photo-preview");
    if (input && preview) {
      // The camera button's thumbnail and wording (texts come translated in data- attributes).
      var text = form.querySelector(".camera-text");
      var state = document.getElementById("photo-state");
      input.addEventListener("change", function () {
        if (!(input.files && input.files[0])) return;
        if (preview.src) URL.revokeObjectURL(preview.src);
        preview.src = URL.createObjectURL(input.files[0]);
        preview.hidden = false;
        if (text && text.getAttribute("data-again")) text.textContent = text.getAttribute("data-again");
        if (state && state.getAttribute("data-chosen")) state.textContent = state.getAttribute("data-chosen");
      });
    }
    form.addEventListener("submit", function () {
      var btn = form.querySelector(".js-submit-once");
      if (btn) {
        // Let this submit go, block a second tap (the client_key makes a retry harmless anyway).
        setTimeout(function () { btn.disabled = true; btn.textContent = t("saving", "Saving…"); }, 0);
      }
    });
  }

  /* "Near me" / "Nearest first": add lat/lon of the phone to the link. */
  function initNearMe() {
    var links = document.querySelectorAll(".js-near-me");
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener("click", function (ev) {
        var link = ev.currentTarget;
        if (!("geolocation" in navigator)) return;
        ev.preventDefault();
        setStatus(t("gps_getting", "Getting your GPS position…"));
        navigator.geolocation.getCurrentPosition(function (pos) {
          var params = new URLSearchParams();
          var uc = link.getAttribute("data-uc");
          if (uc) params.set("uc", uc);
          params.set("lat", pos.coords.latitude.toFixed(6));
          params.set("lon", pos.coords.longitude.toFixed(6));
          window.location.href = link.getAttribute("data-base") + "?" + params.toString();
        }, function (err) {
          setStatus(t("gps_failed_short", "No GPS position ({0}).", gpsReason(err)), "gps-bad");
        }, GPS_OPTIONS);
      });
    }
  }

  function initAutosubmit() {
    var selects = document.querySelectorAll(".js-autosubmit");
    for (var i = 0; i < selects.length; i++) {
      selects[i].addEventListener("change", function (ev) { ev.currentTarget.form.submit(); });
    }
  }

  function init() {
    initVisitForm();
    initNearMe();
    initAutosubmit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
