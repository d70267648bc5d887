// The site's pages: data embedded in each page as JSON, drawn with the one shared plotly.js.
// No fetch(): pages work from file://; a compare pair is a script file added on demand.
"use strict";

function benchData(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function benchRunUrl(root, key) {
  return root + "runs/" + encodeURIComponent(key) + ".html";
}

function benchDrawn(promises) {
  Promise.all(promises).then(function () {
    window.benchDrawnAt = performance.now();
    document.body.dataset.drawn = "yes";
  });
}

function benchPlot(div, traces, layout, root, small) {
  var base = { margin: { l: 60, r: 10, t: 10, b: 40 }, hovermode: "closest",
               legend: { orientation: "h", y: -0.2 },
               xaxis: { title: { text: "runs, oldest to newest" } } };
  var drawn = Plotly.newPlot(div, traces, Object.assign(base, layout),
                             { responsive: true, displaylogo: false, displayModeBar: !small });
  div.on("plotly_click", function (event) {
    var point = event.points && event.points[0];
    if (point && point.customdata) { window.location.href = benchRunUrl(root, point.customdata); }
  });
  return drawn;
}

function benchTicks(runs) {
  // At most a dozen commit labels on the x axis; every point still names its run on hover.
  var every = Math.max(1, Math.ceil(runs.length / 12));
  var ticks = runs.filter(function (run, i) { return i % every === 0; });
  return { tickvals: ticks.map(function (run) { return run.order; }),
           ticktext: ticks.map(function (run) { return run.commit.slice(0, 7) || run.run_id; }) };
}

function benchCasePage(data) {
  var ticks = benchTicks(data.runs);
  var layouts = {
    speedup: { yaxis: { type: "log", title: { text: "× (above 1: David faster)" } } },
    accuracy: { yaxis: { title: { text: "test accuracy" } } },
    ms: { yaxis: { type: "log", title: { text: "ms per epoch" } } },
  };
  var plots = [], promises = [];
  Object.keys(layouts).forEach(function (name) {
    var div = document.getElementById("plot-" + name);
    var layout = layouts[name];
    layout.xaxis = Object.assign({ title: { text: "runs, oldest to newest" } }, ticks);
    promises.push(benchPlot(div, data.traces[name], layout, data.root));
    plots.push(div);
  });
  document.querySelectorAll("#fighters input").forEach(function (box) {
    box.addEventListener("change", function () { benchToggle(plots, box.dataset.fighter, box.checked); });
  });
  benchDrawn(promises);
}

function benchToggle(plots, fighter, shown) {
  plots.forEach(function (div) {
    var indices = [];
    div.data.forEach(function (trace, i) { if (trace.meta && trace.meta.fighter === fighter) indices.push(i); });
    if (indices.length) { Plotly.restyle(div, { visible: shown }, indices); }
  });
}

function benchIndexPage(data) {
  var promises = data.cases.map(function (entry, i) {
    var layout = { height: 220, showlegend: false, margin: { l: 40, r: 5, t: 5, b: 25 },
                   yaxis: { type: "log" }, xaxis: { showticklabels: false } };
    return benchPlot(document.getElementById("small-" + i), entry.traces, layout, data.root, true);
  });
  benchDrawn(promises);
}

window.benchPairs = window.benchPairs || {};

function benchComparePage(data) {
  var select = document.getElementById("pair");
  var only = document.getElementById("differences-only");
  function show() {
    var id = select.value, pair = window.benchPairs[id];
    if (!id) { return; }
    if (!pair) {
      // Loaded as a script (works from file://, unlike fetch); shown when it arrives.
      var script = document.createElement("script");
      script.src = "compare/" + encodeURIComponent(id) + ".js";
      script.onload = show;
      script.onerror = function () { document.getElementById("pair-problem").textContent = "pair not published: " + id; };
      document.head.appendChild(script);
      return;
    }
    window.location.hash = id;
    document.getElementById("pair-problem").textContent = pair.problem;
    var body = document.querySelector("#compare-rows tbody");
    body.textContent = "";
    pair.rows.forEach(function (row) {
      if (only.checked && !row.changed) { return; }
      var tr = document.createElement("tr");
      tr.className = row.regressed ? "worse regressed" : row.changed ? "changed" : "";
      [row.case, row.fighter, row.metric, row.a, row.b, row.change,
       row.verdict + (row.regressed ? " (REGRESSED)" : ""), row.test].forEach(function (text) {
        var td = document.createElement("td");
        td.textContent = text;  // text, never markup: names come from results
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.body.dataset.rows = String(body.children.length);
  }
  var wanted = decodeURIComponent(window.location.hash.slice(1));
  if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
    select.value = wanted;
  }
  select.addEventListener("change", show);
  only.addEventListener("change", show);
  show();
  window.benchDrawnAt = performance.now();
  document.body.dataset.drawn = "yes";
}
