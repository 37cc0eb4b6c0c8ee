// The Outreach Stats chart: data from the page's JSON block (no inline scripts, see the CSP).
(function () {
  "use strict";

  var COLORS = ["#2563eb", "#16a34a", "#d97706", "#dc2626"];

  function draw() {
    var canvas = document.getElementById("stats-chart");
    var source = document.getElementById("stats-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (set, i) { set.backgroundColor = COLORS[i % COLORS.length]; });
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
