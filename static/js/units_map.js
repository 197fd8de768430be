/* Unit maps (Leaflet, vendored). No inline script: the page passes everything in data-*.
 *  #unit-map: one pin for the unit page.
 *  #uc-map:   the UC's units, clustered, coloured by bill status, loaded for the visible area only.
 * Tiles come from MAP_TILE_URL; without tiles (no network) the points still show on a blank map.
 */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  // Translated text from the page (suthra/core/js_strings.py); English if it is missing.
  var T = JSON.parse((document.getElementById("js-strings") || {}).textContent || "{}");
  function t(key, english, arg) { return (T[key] || english).replace("{0}", arg); }

  function tiles(map, url) {
    if (!url) { return; }
    L.tileLayer(url, {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
  }

  function unitMap(el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lon], 17);
    tiles(map, el.dataset.tiles);
    L.circleMarker([lat, lon], { radius: 10, className: "pt pt-unit" })
      .addTo(map).bindTooltip(el.dataset.label || "");
    el.classList.add("map-ready");
  }

  function ucMap(el) {
    var status = document.getElementById("map-status");
    var map = L.map(el);
    tiles(map, el.dataset.tiles);
    var bounds = el.dataset.bounds ? el.dataset.bounds.split(",").map(parseFloat) : null;
    if (bounds && bounds.length === 4 && !bounds.some(isNaN)) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: [10, 10] });
    } else {
      map.setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)], 13);
    }
    var cluster = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true }) : L.layerGroup();
    cluster.addTo(map);
    var detail = el.dataset.detail || "";
    var timer = null, seq = 0;

    function load() {
      var b = map.getBounds();
      var bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]
        .map(function (v) { return v.toFixed(6); }).join(",");
      var mine = ++seq;
      fetch(el.dataset.points + "?bbox=" + bbox, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          if (mine !== seq) { return; }
          cluster.clearLayers();
          var layers = data.points.map(function (p) {
            var m = L.circleMarker([p.lat, p.lon], { radius: 7, className: "pt pt-" + p.s });
            var link = document.createElement("a");
            link.href = detail.replace(/0\/$/, p.id + "/");
            link.textContent = p.name;
            m.bindPopup(link);
            return m;
          });
          if (cluster.addLayers) { cluster.addLayers(layers); } else { layers.forEach(function (m) { cluster.addLayer(m); }); }
          el.dataset.loaded = String(data.points.length);
          if (status) {
            status.textContent = t("units_shown", "{0} units shown", data.points.length) +
              (data.truncated ? " " + t("zoom_in", "(zoom in to see all)") : "");
          }
        })
        .catch(function () { if (status) { status.textContent = t("map_failed", "Could not load the units; check the connection."); } });
    }
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
    load();
  }

  function start() {
    var one = document.getElementById("unit-map");
    if (one) { unitMap(one); }
    var uc = document.getElementById("uc-map");
    if (uc) { ucMap(uc); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
