// Live SMS part count in the template editor (the same rules as suthra/sms/parts.py):
// GSM-7 160 / 153 per part (extension characters count 2, never split), otherwise UCS-2
// 70 / 67 per part (characters outside the BMP count 2). Placeholders are filled with sample
// values from #sms-sample first.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";

  function count(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; });
    var single = gsm ? 160 : 70, split = gsm ? 153 : 67;
    var costs = chars.map(function (c) {
      if (gsm) { return EXTENSION.indexOf(c) >= 0 ? 2 : 1; }
      return c.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var parts = 0;
    if (units > 0 && units <= single) { parts = 1; }
    else if (units > single) {
      parts = 1;
      var used = 0;
      costs.forEach(function (c) { if (used + c > split) { parts += 1; used = 0; } used += c; });
    }
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, parts: parts };
  }

  function render(text, sample) {
    return text.replace(/\{([^{}]*)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(sample, name) ? String(sample[name]) : m;
    });
  }

  function init() {
    var box = document.querySelector("textarea[data-sms-parts]");
    var out = document.getElementById("sms-parts");
    var sampleEl = document.getElementById("sms-sample");
    if (!box || !out) { return; }
    var sample = sampleEl ? JSON.parse(sampleEl.textContent) : {};
    var pattern = out.getAttribute("data-text");
    function update() {
      var r = count(render(box.value, sample));
      out.textContent = pattern.replace("{units}", r.units).replace("{encoding}", r.encoding)
        .replace("{parts}", r.parts);
      out.setAttribute("data-parts", r.parts);
      out.setAttribute("data-encoding", r.encoding);
    }
    box.addEventListener("input", update);
    update();
  }
  window.suthraSmsParts = count;
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
