// The Outreach Stats page: the chart, from the page's JSON block (no inline scripts, see the
// CSP), and the period's fields kept in step with each other.
(function () {
  "use strict";

  var COLORS = ["#2563eb", "#16a34a", "#d97706", "#dc2626"];
  var RATE_COLOR = "#b45309";

  function draw() {
    var canvas = document.getElementById("stats-chart");
    var source = document.getElementById("stats-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var rates = false;
    data.datasets.forEach(function (set, i) {
      if (set.axis === "rate") {
        // A rate (percent) as a line on its own axis, beside the counts' bars.
        rates = true;
        set.type = "line";
        set.yAxisID = "rate";
        set.borderColor = set.backgroundColor = RATE_COLOR;
        set.spanGaps = true;
        set.order = 0;
      } else {
        set.backgroundColor = COLORS[i % COLORS.length];
        set.yAxisID = "y";
        set.order = 1;
      }
    });
    var scales = { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: rates, text: "Count" } } };
    if (rates) {
      scales.rate = {
        position: "right", beginAtZero: true, suggestedMax: 100,
        grid: { drawOnChartArea: false },
        title: { display: true, text: "Reply rate" },
        ticks: { callback: function (value) { return value + "%"; } }
      };
    }
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: { animation: false, scales: scales }
    });
  }

  // Typing a date makes the period custom; choosing a preset shows its days. The server
  // reads the form the same way (stats/pages.py: resolve_period), so the page says what it
  // will show.
  function wirePeriod() {
    var period = document.querySelector("[data-period]");
    if (!period) return;
    var from = document.getElementById("stats-from");
    var to = document.getElementById("stats-to");
    function typed() { period.value = "custom"; }
    [from, to].forEach(function (input) {
      input.addEventListener("input", typed);
      input.addEventListener("change", typed);
    });
    period.addEventListener("change", function () {
      var chosen = period.options[period.selectedIndex];
      if (chosen && chosen.hasAttribute("data-from")) {
        from.value = chosen.getAttribute("data-from");
        to.value = chosen.getAttribute("data-to");
      }
    });
  }

  function start() {
    wirePeriod();
    draw();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
