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
                   yaxis: { type: "log", nticks: 4 }, xaxis: { showticklabels: false } };
    return benchPlot(document.getElementById("small-" + i), entry.traces, layout, data.root, true);
  });
  benchDrawn(promises);
}

function benchOrder(runs, here, other) {
  // A is the older run (in commit order), B the newer: as the compare page and `bench compare`.
  var at = {};
  runs.forEach(function (run, i) { at[run.key] = i; });
  return at[other] < at[here] ? [other, here] : [here, other];
}

function benchPairId(runs, here, other) {
  return benchOrder(runs, here, other).join("__");
}

function benchRunPage(key) {
  // Any other run: its published pair when there is one, else the command that compares them.
  var runs = window.benchRuns || [], select = document.getElementById("compare-run");
  var how = document.getElementById("compare-how"), byKey = {};
  runs.forEach(function (run) { byKey[run.key] = run; });
  var here = byKey[key];
  runs.slice().reverse().forEach(function (run) {
    if (run.key === key) { return; }
    var option = document.createElement("option");
    option.value = run.key;
    option.textContent = run.run_id + " · " + (run.commit.slice(0, 7) || "no commit") + " · " +
      run.date + (here && run.machine === here.machine ? " · same machine" : " · " + run.machine);
    select.appendChild(option);
  });
  select.addEventListener("change", function () {
    // Every pair opens on compare.html: a published one with Python's rows, any other computed
    // there from both runs' data; the command that prints the same rows is named beside it.
    how.textContent = "";
    if (!select.value) { return; }
    var id = benchPairId(runs, key, select.value), published = window.benchPublishedPairs || [];
    var asked = id.split("__").reverse().join("__");  // --compare may have named them newer first
    if (published.indexOf(id) < 0 && published.indexOf(asked) >= 0) { id = asked; }
    var older = benchOrder(runs, key, select.value), a = byKey[older[0]], b = byKey[older[1]];
    var link = document.createElement("a");
    link.href = "../compare.html#" + encodeURIComponent(id);
    link.textContent = "open the comparison";
    var code = document.createElement("code");
    code.textContent = "python -m bench compare " + a.folder + " " + b.folder;
    how.append(link, published.indexOf(id) >= 0 ? " (published) · " : " (computed in the page) · ", code, " prints it");
  });
  document.body.dataset.drawn = "yes";
}
