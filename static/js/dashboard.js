/* Charts of the dashboard and the reports (Chart.js, vendored). The numbers come from
   <script type="application/json"> blocks written by Django's json_script; every chart also has
   its numbers in a table on the page, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  var COLORS = ["#0b6e4f", "#f59e0b", "#b91c1c", "#2563eb", "#7c3aed", "#0891b2"];
  var charts = [];
  // Translated text from the page (suthra/core/js_strings.py); English if it is missing.
  var T = JSON.parse((document.getElementById("js-strings") || {}).textContent || "{}");
  function t(key, english, arg) { return (T[key] || english).replace("{0}", arg); }

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function money(v) { return v == null ? "—" : "Rs " + Number(v).toLocaleString("en-PK"); }

  // Canvas text takes the page's font (Urdu needs the vendored Naskh: the default font has no
  // Urdu letters) and legends and tooltips read right to left on Urdu pages.
  function setDefaults() {
    if (typeof Chart === "undefined") return;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    var rtl = document.documentElement.dir === "rtl";
    Chart.defaults.plugins.legend.rtl = rtl;
    Chart.defaults.plugins.tooltip.rtl = rtl;
  }

  function make(canvasId, config) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || typeof Chart === "undefined") return;
    config.options = Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
    }, config.options || {});
    charts.push(new Chart(canvas, config));
  }

  function dashboard(d) {
    make("chart-trend", {
      type: "bar",
      data: {
        labels: d.trend.labels,
        datasets: [
          { label: t("billed", "Billed"), data: d.trend.billed, backgroundColor: "#cbd5e1", yAxisID: "y" },
          { label: t("collected", "Collected"), data: d.trend.collected, backgroundColor: COLORS[0], yAxisID: "y" },
          { label: t("rate", "Rate %"), data: d.trend.rate, type: "line", borderColor: COLORS[1],
            backgroundColor: COLORS[1], yAxisID: "pct", tension: 0.2 }
        ]
      },
      options: {
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (v) { return Number(v).toLocaleString("en-PK"); } } },
          pct: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } }
        },
        plugins: { tooltip: { callbacks: { label: function (c) {
          return c.dataset.yAxisID === "pct" ? c.dataset.label + ": " + c.parsed.y + "%" : c.dataset.label + ": " + money(c.parsed.y);
        } } } }
      }
    });
    make("chart-breakdown", {
      type: "bar",
      data: { labels: d.breakdown.labels, datasets: [{ label: t("collection_rate", "Collection rate %"), data: d.breakdown.rate, backgroundColor: COLORS[0] }] },
      options: { indexAxis: "y", scales: { x: { min: 0, max: 100 } }, plugins: { legend: { display: false } } }
    });
    make("chart-status", {
      type: "doughnut",
      data: { labels: d.status.labels, datasets: [{ data: d.status.bills, backgroundColor: [COLORS[2], COLORS[1], COLORS[0]] }] }
    });
    make("chart-aging", {
      type: "bar",
      data: { labels: d.aging.labels, datasets: [{ label: t("arrears", "Arrears (Rs)"), data: d.aging.arrears, backgroundColor: [COLORS[1], "#ea580c", COLORS[2], "#7f1d1d"] }] },
      options: { plugins: { legend: { display: false } } }
    });
  }

  function reports(all) {
    Object.keys(all).forEach(function (id) {
      var c = all[id];
      var stacked = !!c.stacked;
      make(id, {
        type: c.type,
        data: {
          labels: c.labels,
          datasets: c.series.map(function (s, i) {
            var ds = { label: s.label, data: s.data };
            if (c.type === "doughnut") ds.backgroundColor = [COLORS[0], COLORS[1], COLORS[2]];
            else { ds.backgroundColor = COLORS[i % COLORS.length]; ds.borderColor = COLORS[i % COLORS.length]; }
            return ds;
          })
        },
        options: c.type === "doughnut" ? {} : { scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } } }
      });
    });
  }

  function init() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    var d = readJSON("dash-charts");
    if (d) dashboard(d);
    var r = readJSON("report-charts");
    if (r) reports(r);
  }

  function start() {
    if (typeof Chart === "undefined") return;
    setDefaults();
    // Draw once the page's font is there, or the canvas keeps the fallback's empty boxes.
    if (document.documentElement.dir === "rtl" && document.fonts && document.fonts.load) {
      document.fonts.load("12px " + Chart.defaults.font.family, "اردو").then(init, init);
    } else {
      init();
    }
  }

  document.addEventListener("DOMContentLoaded", start);
  // htmx swaps (filters submitted with hx-get) bring new numbers: redraw.
  document.addEventListener("htmx:afterSettle", init);
})();
