/* Charts of the home pages, drawn with the vendored Chart.js (static/vendor/chartjs).
   Each <canvas data-chart> carries its data in data- attributes (labels, series as JSON,
   amounts as decimal strings); the same figures are in the table next to it, which is the
   chart's text alternative. No inline script or style: the CSP allows only 'self'. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;

  var COLORS = { paid: "#166534", committed: "#d97706", available: "#cbd5e1" };
  var lang = document.documentElement.lang || "zh-CN";
  var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });

  function parse(el, name) {
    try { return JSON.parse(el.getAttribute("data-" + name) || "null"); } catch (e) { return null; }
  }

  function draw(canvas) {
    var labels = parse(canvas, "labels") || [];
    var series = parse(canvas, "series") || [];
    var horizontal = canvas.getAttribute("data-horizontal") === "1";
    var stacked = canvas.getAttribute("data-stacked") === "1";
    var valueAxis = horizontal ? "x" : "y";
    var categoryAxis = horizontal ? "y" : "x";
    var scales = {};
    scales[valueAxis] = {
      stacked: stacked, beginAtZero: true,
      ticks: { callback: function (v) { return compact.format(v); } }
    };
    scales[categoryAxis] = { stacked: stacked, ticks: { autoSkip: false } };
    if (horizontal) {
      // long incentive names: cut on the axis (the full name is in the tooltip and the table)
      scales.y.ticks.callback = function (value) {
        var text = String(labels[value] || "");
        var room = canvas.clientWidth > 700 ? 40 : canvas.clientWidth > 480 ? 24 : 12;
        return text.length > room ? text.slice(0, room - 1) + "…" : text;
      };
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: series.map(function (s) {
          return {
            label: s.label,
            data: s.values.map(Number),
            backgroundColor: COLORS[s.key] || "#1d4ed8",
            borderWidth: 0
          };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { position: "bottom", display: series.length > 1 },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? labels[items[0].dataIndex] : ""; },
              label: function (item) {
                return item.dataset.label + ": " + money.format(horizontal ? item.parsed.x : item.parsed.y);
              }
            }
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
