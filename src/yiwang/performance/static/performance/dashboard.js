/* Dashboard charts (ECharts, served locally). Every chart has the same data in a table below it. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var node = document.getElementById("perf-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var charts = [];
  var L = data.labels || {};
  var red = "#a8071a", blue = "#1f4e79", grey = "#8c8c8c", green = "#237804", amber = "#ad6800";
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    option.aria = {enabled: true};
    chart.setOption(option);
    charts.push(chart);
  }
  function empty(id) {  // data truly absent in the period: say so instead of an empty frame
    var el = document.getElementById(id);
    if (el) { el.textContent = L.no_data || ""; el.style.height = "auto"; el.removeAttribute("role"); }
  }
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  var months = data.by_month || [];
  if (months.length) {
    make("chart-month", {
      tooltip: {trigger: "axis"}, legend: {}, grid: {containLabel: true},
      xAxis: {type: "category", data: months.map(function (r) { return r.period; })}, yAxis: {type: "value"},
      series: [{name: L.submitted, type: "bar", itemStyle: {color: blue},
                data: months.map(function (r) { return r.submitted; })},
               {name: L.completed, type: "bar", itemStyle: {color: green},
                data: months.map(function (r) { return r.completed; })}]
    });
  } else { empty("chart-month"); }
  var depts = (data.by_department || []).slice(0, 20);
  if (depts.length) {
    var names = depts.map(function (r) { return r.label; });
    make("chart-ontime", {
      tooltip: {trigger: "axis"}, grid: {containLabel: true},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: 30}},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      legend: {},
      series: [{name: L.on_time_rate, type: "bar", itemStyle: {color: blue},
                data: depts.map(function (r) { return pct(r.on_time_rate); })},
               {name: L.satisfaction_rate, type: "bar", itemStyle: {color: green},
                data: depts.map(function (r) { return pct(r.satisfaction_rate); })}]
    });
    make("chart-speed", {
      tooltip: {trigger: "axis"}, grid: {containLabel: true},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: 30}}, yAxis: {type: "value"},
      legend: {},
      series: [{name: L.avg_days, type: "bar", itemStyle: {color: amber},
                data: depts.map(function (r) { return r.avg_days; })},
               {name: L.avg_statutory_days, type: "bar", itemStyle: {color: grey},
                data: depts.map(function (r) { return r.avg_statutory_days; })}]
    });
  } else { empty("chart-ontime"); empty("chart-speed"); }
  function pie(id, rows) {
    if (!rows || !rows.some(function (r) { return r.total; })) { empty(id); return; }
    make(id, {tooltip: {trigger: "item"},
      series: [{type: "pie", radius: ["35%", "65%"], data: rows.map(function (r) { return {name: r.label, value: r.total}; })}]});
  }
  pie("chart-channel", data.by_channel);
  pie("chart-grade", data.ratings_by_grade);
  var levels = data.alerts_by_level || [];
  if (!levels.some(function (r) { return r.total; })) { empty("chart-alert"); } else make("chart-alert", {
    tooltip: {trigger: "axis"}, grid: {containLabel: true},
    xAxis: {type: "category", data: levels.map(function (r) { return r.label; })}, yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", itemStyle: {color: red}, data: levels.map(function (r) { return r.total; })}]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
