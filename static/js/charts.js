/* Leadmarket charts: draws every <canvas data-chart="ID"> from the JSON data island
   <script id="ID" type="application/json"> (see templates/includes/chart.html and
   marketplace/web/charts.py). Chart.js itself comes from npm (node_modules, served under
   /static/vendor/chartjs/) and is loaded only on pages that have a chart. */
(function () {
  "use strict";

  // Colour-blind-safe hues, each ≥ 3:1 against white (WCAG 1.4.11 for graphics).
  var TONES = {
    "": ["#3442b8", "#0f7b8a", "#8a4fbf", "#b35c00", "#4b5563", "#2a7d3f"],
    good: ["#2a7d3f"],
    bad: ["#c0392b"],
    warn: ["#b35c00"],
    muted: ["#6b7280"]
  };

  function colour(series, index) {
    var list = TONES[series.tone || ""] || TONES[""];
    return series.tone ? list[0] : list[index % list.length];
  }

  function formatter(data, lang) {
    if (data.unit === "money") {
      var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return function (v) { return money.format(v) + (data.currency ? " " + data.currency : ""); };
    }
    var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    if (data.unit === "percent") return function (v) { return number.format(v) + " %"; };
    return function (v) { return number.format(v); };
  }

  function draw(canvas) {
    var island = document.getElementById(canvas.getAttribute("data-chart"));
    if (!island || canvas.getAttribute("data-drawn")) return;
    var data = JSON.parse(island.textContent);
    var lang = document.documentElement.lang || "en";
    var format = formatter(data, lang);
    var round = data.kind === "doughnut";
    var datasets = data.series.map(function (series, index) {
      var c = colour(series, index);
      var palette = round ? data.labels.map(function (_, i) { return colour({ tone: "" }, i); }) : c;
      return {
        label: series.label,
        data: series.values,
        backgroundColor: round ? palette : (data.kind === "line" ? c + "22" : c),
        borderColor: round ? "#ffffff" : c,
        borderWidth: data.kind === "line" ? 2 : (round ? 2 : 0),
        fill: data.kind === "line" && data.series.length === 1,
        tension: 0.25,
        pointRadius: data.labels.length > 40 ? 0 : 2,
        maxBarThickness: 36
      };
    });
    var scales = round ? {} : {
      x: { stacked: data.stacked, grid: { display: false }, ticks: { color: "#535c6e", autoSkip: true, maxRotation: 0 } },
      y: { stacked: data.stacked, beginAtZero: true, ticks: { color: "#535c6e", precision: data.unit === "money" ? undefined : 0, callback: function (v) { return format(v); } } }
    };
    canvas.setAttribute("data-drawn", "true");
    new window.Chart(canvas, {
      type: data.kind,
      data: { labels: data.labels, datasets: datasets },
      options: {
        locale: lang,
        responsive: true,
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 },
        interaction: { mode: round ? "nearest" : "index", intersect: false },
        plugins: {
          legend: { display: data.series.length > 1 || round, position: "bottom", labels: { color: "#1b2233", boxWidth: 12 } },
          tooltip: { callbacks: { label: function (ctx) { return (ctx.dataset.label && !round ? ctx.dataset.label + ": " : (round ? ctx.label + ": " : "")) + format(ctx.parsed.y !== undefined && !round ? ctx.parsed.y : ctx.parsed); } } }
        },
        scales: scales
      }
    });
  }

  var waiting = null; // canvases to draw once Chart.js has loaded

  function drawAll(root) {
    var canvases = Array.prototype.slice.call((root || document).querySelectorAll("canvas[data-chart]"));
    if (!canvases.length) return;
    if (window.Chart) { canvases.forEach(draw); return; }
    if (waiting) { waiting = waiting.concat(canvases); return; }
    var me = document.querySelector("script[data-chartjs-src]");
    if (!me) return;
    waiting = canvases;
    var script = document.createElement("script");
    script.src = me.getAttribute("data-chartjs-src");
    script.onload = function () { var list = waiting; waiting = null; list.forEach(draw); };
    document.head.appendChild(script);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Charts that arrive in an htmx swap are drawn too.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
