// compare.html: any two runs side by side, computed in the browser from each run's
// runs/RUN.pair.js (bench/site/pair_data.py), row for row as bench/judging/run_pair.py's
// compare_two_runs: the same rows, order, texts and statistics. Each function names the Python
// it mirrors. The one thing not reproduced to the bit is the fair-mode time row's bootstrap
// (stats.bootstrap_median_ratio): the same scheme, other random draws (the page says so).
// A published pair (compare/A__B.js) shows Python's own rows instead.
"use strict";

window.benchPairData = window.benchPairData || {};
window.benchPairs = window.benchPairs || {};

var benchCompare = (function () {
  var C = null;  // the constants of the Python that decides (pair_data.compare_constants)
  var SAME = "same", UNDECIDED = "undecided", ONLY_IN_A = "only in A", ONLY_IN_B = "only in B";
  var NOT_DIFFERENT = [SAME, "identical", UNDECIDED];  // run_pair.NOT_DIFFERENT
  var WORDS = { ok: SAME, improved: "better", REGRESSED: "worse" };  // run_pair.WORDS

  // ---- Numbers written as Python's format() writes them ----

  function roundedTie(text, digits, down) {
    // toFixed/toExponential round an exact tie away from zero, Python to even: `text` holds the
    // exact value's digits; when it is a tie and the digit kept is even, Python rounds down.
    var tail = text.replace(/e.*$/, "").split(".")[1] || "";
    if (!/^50*$/.test(tail.slice(digits)) ) { return null; }
    var kept = down.replace(/e.*$/, "").replace(".", "").replace("-", "");
    return Number(kept.slice(-1)) % 2 === 0 ? down : null;
  }

  function pyFixed(x, digits) {  // f"{x:.{digits}f}"
    if (!isFinite(x)) { return isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf"; }
    var exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
    var cut = exact.indexOf(".") + (digits ? digits + 1 : 0);
    var down = (x < 0 ? "-" : "") + exact.slice(0, cut);
    return roundedTie(exact, digits, down) || x.toFixed(digits);
  }

  function pyExponent(x, digits) {  // f"{x:.{digits}e}"
    if (!isFinite(x)) { return isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf"; }
    var exact = Math.abs(x).toExponential(Math.min(100, digits + 60));
    var parts = exact.split("e"), mantissa = parts[0];
    var down = (x < 0 ? "-" : "") + mantissa.slice(0, digits ? digits + 2 : 1) + "e" + parts[1];
    var text = roundedTie(exact, digits, down) || x.toExponential(digits);
    return text.replace(/e([+-])(\d)$/, "e$10$2");  // Python writes two exponent digits
  }

  function pyGeneral(x, precision) {  // f"{x:.{precision}g}" (f"{x:g}": precision 6)
    if (!isFinite(x)) { return isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf"; }
    if (x === 0) { return Object.is(x, -0) ? "-0" : "0"; }
    var p = precision || 1, e = pyExponent(x, p - 1);
    var exponent = Number(e.split("e")[1]);
    var strip = function (t) { return t.indexOf(".") < 0 ? t : t.replace(/0+$/, "").replace(/\.$/, ""); };
    if (exponent >= -4 && exponent < p) { return strip(pyFixed(x, p - 1 - exponent)); }
    var parts = e.split("e");
    return strip(parts[0]) + "e" + parts[1];
  }

  function threeDigits(value) {  // wording.three_digits
    var decimals = value ? Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value)))) : 0;
    var text = pyFixed(value, decimals).split(".");
    text[0] = text[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return text.join(".");
  }

  function formatSeconds(seconds) {  // wording.format_seconds
    var units = [["s", 1.0], ["ms", 1e-3], ["µs", 1e-6]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) { return threeDigits(seconds / units[i][1]) + " " + units[i][0]; }
    }
    return pyGeneral(seconds, 2) + " s";
  }

  function tiny(value) { return value === 0 ? "0" : pyExponent(value, 1); }  // wording.tiny

  function ratioNumber(value, digits) {  // wording._ratio_number
    if (!isFinite(value) || value > C.ratio_shown_up_to) { return ">" + pyGeneral(C.ratio_shown_up_to, 6); }
    return pyFixed(value, digits);
  }

  function ratioText(ratio, low, high) {  // wording.ratio_text
    var decided = low > 1 || high < 1, parts;
    for (var digits = 1; digits <= 3; digits++) {
      parts = [ratioNumber(ratio, digits), ratioNumber(low, digits), ratioNumber(high, digits)];
      if (decided && parts.slice(1).indexOf(pyFixed(1, digits)) < 0) { break; }
      if (!decided && (parts[1] !== parts[2] || low === high)) { break; }
    }
    return parts[0] + "x [" + parts[1] + "-" + parts[2] + "]";
  }

  function displayName(fighter) {  // wording.display_name
    return Object.prototype.hasOwnProperty.call(C.fighter_names, fighter) ? C.fighter_names[fighter] : fighter;
  }

  // ---- Statistics (bench/judging/stats.py), numpy's arithmetic order kept ----

  function pairwiseSum(a) {  // numpy's add.reduce of float64 (pairwise summation)
    var n = a.length, i, res;
    if (n < 8) { res = 0; for (i = 0; i < n; i++) { res += a[i]; } return res; }
    if (n <= 128) {
      var r = a.slice(0, 8);
      for (i = 8; i < n - (n % 8); i += 8) { for (var j = 0; j < 8; j++) { r[j] += a[i + j]; } }
      res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) { res += a[i]; }
      return res;
    }
    var half = Math.floor(n / 2); half -= half % 8;
    return pairwiseSum(a.slice(0, half)) + pairwiseSum(a.slice(half));
  }

  function mean(a) { return pairwiseSum(a) / a.length; }  // np.mean

  function median(values) {  // np.median
    var s = Float64Array.from(values).sort(), m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  function tInterval(values) {  // stats.t_interval
    var n = values.length;
    if (n < 2) { throw new Error("a t-interval needs at least 2 values"); }
    var centre = mean(values);
    var squares = values.map(function (v) { var d = v - centre; return d * d; });
    var std = Math.sqrt(pairwiseSum(squares) / (n - 1));
    var half = C.t[n - 1] * std;
    half /= Math.sqrt(n);
    return [centre - half, centre + half];
  }

  function tHalfWidth(values) {  // stats.t_half_width
    if (values.length < 2) { return 0; }
    var bounds = tInterval(values);
    return (bounds[1] - bounds[0]) / 2;
  }

  function wilsonInterval(k, n) {  // stats.wilson_interval: scipy's binomtest(k, n).proportion_ci("wilson")
    var p = k / n, z = C.z, z2 = z * z;
    var denom = 2 * (n + z2), centre = (2 * n * p + z2) / denom, q = 1 - p;
    var delta = z / denom * Math.sqrt(4 * n * p * q + z2);
    return [k === 0 ? 0 : centre - delta, k === n ? 1 : centre + delta];
  }

  function comb(n, k) {  // math.comb (exact while it fits in a double)
    var r = 1;
    for (var i = 1; i <= k; i++) { r = r * (n - k + i) / i; }
    return Math.round(r);
  }

  function smallestMannWhitneyP(nx, ny) { return 1 / comb(nx + ny, nx); }  // stats.smallest_mann_whitney_p

  function normalCdf(z) {  // scipy.special.ndtr, to ~1e-15: series near 0, continued fraction in the tails
    if (z < -6 || z > 6) {
      var x = Math.abs(z), f = x, c = x, d = 0, tiny = 1e-300;
      for (var i = 1; i < 300; i++) {  // Lentz: Q(x) = phi(x) / (x + 1/(x + 2/(x + 3/...)))
        d = x + i * d; d = d === 0 ? tiny : 1 / d;
        c = x + i / c; if (c === 0) { c = tiny; }
        var step = c * d; f *= step;
        if (Math.abs(step - 1) < 1e-16) { break; }
      }
      var tail = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) / f;
      return z < 0 ? tail : 1 - tail;
    }
    var term = z, sum = z;
    for (var k = 1; k < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
      term *= z * z / (2 * k + 1); sum += term;
    }
    return 0.5 + sum * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
  }

  function mannWhitneyExactSf(n1, n2, k) {  // scipy.stats._mannwhitneyu._MWU.sf
    var small = Math.min(n1, n2), large = Math.max(n1, n2), top = small * large;
    var kc = top - k, upper = k < kc;
    if (upper) { kc = k; }
    // How many arrangements give each U (exact integers, as scipy's configurations), by
    // f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u), n growing, one array per m.
    var ways = [];
    for (var m = 0; m <= small; m++) { ways.push(new Float64Array(top + 1)); ways[m][0] = 1; }
    for (var n = 1; n <= large; n++) {
      for (m = 1; m <= small; m++) {  // f(m - 1, n) is ready; ways[m] is still f(m, n - 1)
        var next = new Float64Array(top + 1), below = ways[m - 1], u;
        for (u = 0; u <= top; u++) { next[u] = ways[m][u] + (u >= n ? below[u - n] : 0); }
        ways[m] = next;
      }
    }
    var counts = ways[small];
    var total = comb(small + large, small), cdf = 0, pmf = 0;
    for (u = 0; u <= kc; u++) { pmf = counts[u] / total; cdf += pmf; }
    return upper ? 1 - cdf + pmf : cdf;
  }

  function mannWhitneyP(x, y, alternative) {  // stats.mann_whitney_p: scipy's mannwhitneyu
    var n1 = x.length, n2 = y.length, all = x.concat(y);
    var order = all.map(function (v, i) { return i; }).sort(function (i, j) { return all[i] - all[j]; });
    var ranks = new Array(all.length), ties = [], i = 0;
    while (i < order.length) {
      var j = i;
      while (j + 1 < order.length && all[order[j + 1]] === all[order[i]]) { j++; }
      for (var k = i; k <= j; k++) { ranks[order[k]] = (i + j) / 2 + 1; }
      ties.push(j - i + 1);
      i = j + 1;
    }
    var r1 = pairwiseSum(ranks.slice(0, n1)), u1 = r1 - n1 * (n1 + 1) / 2, u2 = n1 * n2 - u1;
    var u = alternative === "greater" ? u1 : u2, p;
    var tied = ties.some(function (t) { return t > 1; });
    if ((n1 > 8 && n2 > 8) || tied) {  // _mwu_choose_method: asymptotic, continuity corrected
      var n = n1 + n2, tieTerm = pairwiseSum(ties.map(function (t) { return t * t * t - t; }));
      var s = Math.sqrt(n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1))));
      p = normalCdf(-((u - n1 * n2 / 2 - 0.5) / s));
    } else {
      p = mannWhitneyExactSf(n1, n2, u);
    }
    return Math.min(1, Math.max(0, p));
  }

  function mulberry32(seed) {  // a small seeded PRNG: numbers in [0, 1)
    return function () {
      seed = (seed + 0x6D2B79F5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function selectedMedian(values, count) {  // np.median of values[0:count] (reordered): by selection
    var middle = count >> 1, low = 0, high = count - 1;
    while (low < high) {  // Hoare's selection: values[middle] ends as the middle-th smallest
      var pivot = values[(low + high) >> 1], i = low, j = high;
      while (i <= j) {
        while (values[i] < pivot) { i++; }
        while (values[j] > pivot) { j--; }
        if (i <= j) { var swap = values[i]; values[i] = values[j]; values[j] = swap; i++; j--; }
      }
      if (middle <= j) { high = j; } else if (middle >= i) { low = i; } else { break; }
    }
    if (count % 2) { return values[middle]; }
    var below = -Infinity;  // the (middle - 1)-th smallest: the largest of those before it
    for (var k = 0; k < middle; k++) { if (values[k] > below) { below = values[k]; } }
    return (below + values[middle]) / 2;
  }

  function percentile(sorted, q) {  // np.percentile, method "linear"
    var index = q / 100 * (sorted.length - 1), below = Math.floor(index), t = index - below;
    var a = sorted[below], b = sorted[Math.min(below + 1, sorted.length - 1)], diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }

  function bootstrapMedianRatio(numerator, denominator) {  // stats.bootstrap_median_ratio
    // Two stages, as Python: the same seeds drawn for both sides, then each chosen seed's values
    // drawn within it; the statistic is the ratio of the pooled medians; percentile interval.
    var random = mulberry32(0), groups = numerator.length, ratios = new Float64Array(C.resamples);
    var longest = Math.max.apply(null, numerator.concat(denominator).map(function (s) { return s.length; }));
    var drawn = new Float64Array(groups * longest);
    function resampledMedian(side, chosen) {
      var count = 0;
      chosen.forEach(function (g) {
        var seed = side[g];
        for (var v = 0; v < seed.length; v++) { drawn[count++] = seed[Math.floor(random() * seed.length)]; }
      });
      return selectedMedian(drawn, count);
    }
    for (var r = 0; r < C.resamples; r++) {
      var chosen = [];
      for (var g = 0; g < groups; g++) { chosen.push(Math.floor(random() * groups)); }
      ratios[r] = resampledMedian(numerator, chosen) / resampledMedian(denominator, chosen);
    }
    ratios.sort();
    var tail = (1 - C.confidence) / 2 * 100;
    return [percentile(ratios, tail), percentile(ratios, 100 - tail)];
  }

  // ---- The gate's rules (bench/judging/regression_rules.py) ----

  function accuracyRule(before, after) {  // regression_rules.accuracy_rule
    var change = mean(after) - mean(before);
    var noise = Math.hypot(tHalfWidth(before), tHalfWidth(after));
    var bar = Math.max(C.accuracy_floor, noise);
    var verdict = -change > bar ? "REGRESSED" : change > bar ? "improved" : "ok";
    return { verdict: verdict, test: "change vs max(floor " + pyGeneral(C.accuracy_floor, 6) +
      ", 95% interval across seeds " + pyFixed(noise, 4) + ")" };
  }

  function separated(now, base, alpha) {  // regression_rules.separated
    var alphaText = pyGeneral(alpha, 6);
    if (smallestMannWhitneyP(now.length, base.length) < alpha) {
      var worse = mannWhitneyP(now, base, "less"), better = mannWhitneyP(now, base, "greater");
      var way = worse <= alpha ? "slower" : better <= alpha ? "faster" : "";
      return [way, "one-sided Mann-Whitney p=" + pyGeneral(Math.min(worse, better), 3) + " (alpha " + alphaText + ")"];
    }
    var why = now.length + " vs " + base.length + " values cannot reach p < " + alphaText;
    if (Math.min(now.length, base.length) < 2) { return ["", why + ", nor give an interval: undecided"]; }
    var n = tInterval(now.map(Math.log)), b = tInterval(base.map(Math.log));
    way = n[1] < b[0] ? "slower" : n[0] > b[1] ? "faster" : "";
    return [way, why + ": 95% t-intervals of log speed-ups " + (way ? "apart" : "overlap")];
  }

  function speedupRule(before, after) {  // regression_rules.speedup_rule
    var slowdown = median(before) / median(after), way = separated(after, before, C.alpha)[0];
    if (way === "slower" && slowdown > C.speed_factor) { return "REGRESSED"; }
    if (way === "faster" && slowdown < 1 / C.speed_factor) { return "improved"; }
    return "ok";
  }

  function parityRule(before, after) {  // regression_rules.parity_rule
    if (before === null || before > C.parity_tolerance) { return null; }
    return after === null || after > C.parity_tolerance ? "REGRESSED" : "ok";
  }

  // ---- The rows (bench/judging/run_pair.py) ----

  function row(caseName, fighter, metric, verdict, regressed, test, texts, extra) {  // PairRow
    texts = texts || ["-", "-", "-"];
    var shown = {
      case: caseName, fighter: fighter ? displayName(fighter) : "", metric: metric,
      a: texts[0], b: texts[1], change: texts[2], verdict: verdict, regressed: regressed,
      test: test, changed: NOT_DIFFERENT.indexOf(verdict) < 0 || regressed,
    };
    return Object.assign(shown, extra || {});
  }

  function float64s(text) {  // pair_data.epoch_times: base64 of little-endian float64s
    var bytes = atob(text), view = new DataView(new ArrayBuffer(bytes.length)), values = [];
    for (var i = 0; i < bytes.length; i++) { view.setUint8(i, bytes.charCodeAt(i)); }
    for (i = 0; i < bytes.length; i += 8) { values.push(view.getFloat64(i, true)); }
    return values;
  }

  function ok(side, name, i) { var r = side.records[name]; return !!(r && r.ok[i]); }

  function finished(caseName, name, a, b) {  // run_pair._finished
    var clean = function (side) { return new Set(side.seeds.filter(function (s, i) { return ok(side, name, i); })); };
    var cleanA = clean(a), cleanB = clean(b), seedsA = new Set(a.seeds), seedsB = new Set(b.seeds);
    var sorted = function (set) { return Array.from(set).sort(function (x, y) { return x - y; }); };
    var lost = sorted(cleanA).filter(function (s) { return seedsB.has(s) && !cleanB.has(s); });
    var gained = sorted(cleanB).filter(function (s) { return seedsA.has(s) && !cleanA.has(s); });
    var verdict = lost.length ? "worse" : gained.length ? "better" : SAME;
    var why = new Map();
    b.seeds.forEach(function (s, i) { if (lost.indexOf(s) >= 0) { why.set(s, b.records[name] ? b.records[name].why[i] : ""); } });
    var test = Array.from(why).map(function (e) { return "seed " + e[0] + " in B: " + e[1]; }).join("; ") || "clean seeds";
    return row(caseName, name, "finished", verdict, name === "david" && lost.length > 0, test,
      [cleanA.size + "/" + a.seeds.length, cleanB.size + "/" + b.seeds.length, "-"]);
  }

  function commonSeeds(a, b, name) {  // run_pair._common_seeds: [index in A, index in B]
    var bySeed = new Map();
    b.seeds.forEach(function (s, j) { bySeed.set(s, j); });
    var pairs = [];
    a.seeds.forEach(function (s, i) {
      if (bySeed.has(s) && ok(a, name, i) && ok(b, name, bySeed.get(s))) { pairs.push([i, bySeed.get(s)]); }
    });
    return pairs;
  }

  function ratioChange(ratio, low, high, words) {  // run_pair._ratio_change
    if (low === null || high === null) {
      return ratio >= 1 ? pyGeneral(ratio, 3) + "x " + words[0] : pyGeneral(1 / ratio, 3) + "x " + words[1];
    }
    if (ratio >= 1) { return ratioText(ratio, low, high) + " " + words[0]; }
    return ratioText(1 / ratio, 1 / high, 1 / low) + " " + words[1];
  }

  function time(caseName, name, a, b) {  // run_pair._time
    var mode = a.mode, metric = C.verdict_speed[mode], pairs = commonSeeds(a, b, name);
    function seconds(side, i) {  // epoch times (fair) or the training time (native), as Python reads
      var value = side.records[name].seconds[i];
      if (mode === "fair") { return typeof value === "string" ? float64s(value) : []; }
      return typeof value === "number" ? [value] : [];
    }
    var groups = [pairs.map(function (p) { return seconds(a, p[0]); }), pairs.map(function (p) { return seconds(b, p[1]); })];
    var pooled = groups.map(function (side) { return [].concat.apply([], side); });
    if (pooled.some(function (v) { return v.length === 0 || Math.min.apply(null, v) <= 0; })) {
      return row(caseName, name, metric, UNDECIDED, false, "no timings on the seeds both runs finished");
    }
    var timeA = median(pooled[0]), timeB = median(pooled[1]), ratio = timeA / timeB;
    var low = null, high = null, verdict, test, bootstrap = false;
    if (pairs.length < 2) {
      verdict = UNDECIDED; test = "one shared seed: no interval";
    } else if (mode === "fair") {
      var bounds = bootstrapMedianRatio(groups[0], groups[1]);
      low = bounds[0]; high = bounds[1]; bootstrap = true;
      test = "ratio of median epoch times, 95% CI by bootstrap over shared seeds, then epochs";
    } else {
      var logRatios = pooled[0].map(function (v, i) { return Math.log(v / pooled[1][i]); });
      ratio = Math.exp(mean(logRatios));
      var t = tInterval(logRatios);
      low = Math.exp(t[0]); high = Math.exp(t[1]);
      test = "geometric mean of per-seed training-time ratios, t-interval 95%";
    }
    if (low !== null && high !== null) { verdict = low > 1 ? "faster" : high < 1 ? "slower" : SAME; }
    return row(caseName, name, metric, verdict, false,
      test + "; not gated (the gate holds speed-ups measured within one run)",
      [formatSeconds(timeA), formatSeconds(timeB), ratioChange(ratio, low, high, ["B faster", "B slower"])],
      { bootstrap: bootstrap, low: low, high: high });
  }

  function accuracy(caseName, name, a, b) {  // run_pair._accuracy
    var metrics = [a, b].map(function (side) {
      var r = side.records[name];
      return side.seeds.map(function (s, i) { return i; }).filter(function (i) { return ok(side, name, i); })
        .map(function (i) { return { correct: r.correct[i], n: r.n[i], accuracy: r.accuracy[i] }; });
    });
    if (!metrics[0].length || !metrics[1].length) {
      var missing = ["A", "B"].filter(function (run, i) { return !metrics[i].length; });
      return row(caseName, name, "test accuracy", UNDECIDED, false, "no finished seed in " + missing.join(" and "));
    }
    var sum = function (side, key) { return side.reduce(function (t, m) { return t + m[key]; }, 0); };
    var correct = metrics.map(function (m) { return sum(m, "correct"); }), total = metrics.map(function (m) { return sum(m, "n"); });
    var valueA = correct[0] / total[0], valueB = correct[1] / total[1];
    var ia = wilsonInterval(correct[0], total[0]), ib = wilsonInterval(correct[1], total[1]);
    var text = function (v, i) { return pyFixed(v, 4) + " [" + pyFixed(i[0], 3) + "-" + pyFixed(i[1], 3) + "]"; };
    var verdict, test, regressed = false;
    if (name === "david") {
      var accuracies = metrics.map(function (m) { return m.map(function (x) { return x.accuracy; }); });
      var rule = accuracyRule(accuracies[0], accuracies[1]);
      verdict = WORDS[rule.verdict]; test = rule.test; regressed = rule.verdict === "REGRESSED";
    } else {
      verdict = ib[0] > ia[1] ? "better" : ib[1] < ia[0] ? "worse" : SAME;
      test = "Wilson 95% intervals " + (verdict === SAME ? "overlap" : "apart");
    }
    var change = valueB - valueA;
    return row(caseName, name, "test accuracy", verdict, regressed, test,
      [text(valueA, ia), text(valueB, ib), (change >= 0 ? "+" : "") + pyFixed(change, 4)]);
  }

  function speedup(caseName, opponent, before, after, gated) {  // run_pair._speedup
    var metric = "speed-up vs " + displayName(opponent);
    var bySeed = [before, after].map(function (gate) {
      var values = gate.speedups.filter(function (e) { return e[0] === opponent; })[0][1], map = new Map();
      gate.seeds.forEach(function (s, i) { map.set(s, values[i]); });
      return map;
    });
    var values = bySeed.map(function (m) { return Array.from(m.values()).filter(function (v) { return v !== null; }); });
    if (!values[0].length || !values[1].length) {
      var missing = ["A", "B"].filter(function (run, i) { return !values[i].length; });
      return row(caseName, "david", metric, UNDECIDED, false, "no seed where David and " +
        displayName(opponent) + " both finished in " + missing.join(" and "));
    }
    var medianA = median(values[0]), medianB = median(values[1]), ratio = medianB / medianA;
    var told = separated(values[1], values[0], C.alpha), way = told[0], how = told[1];
    var verdict = way || (/undecided$/.test(how) ? UNDECIDED : SAME);
    var regressed = gated && speedupRule(values[0], values[1]) === "REGRESSED";
    var paired = [];
    bySeed[0].forEach(function (value, seed) {
      var then = bySeed[1].get(seed);
      if (value && then) { paired.push(Math.log(then / value)); }
    });
    var low = null, high = null;
    if (paired.length >= 2) { var t = tInterval(paired); low = Math.exp(t[0]); high = Math.exp(t[1]); }
    var scope = gated ? "gated: slow-down beyond " + pyGeneral(C.speed_factor, 6)
      : opponent === C.gated_opponent ? "shown, not gated"
      : "shown, not gated (the gate holds " + displayName(C.gated_opponent) + ")";
    return row(caseName, "david", metric, verdict, regressed,
      how + "; " + scope + "; speed = " + C.gate_speed[after.mode],
      [pyGeneral(medianA, 4) + "x", pyGeneral(medianB, 4) + "x", ratioChange(ratio, low, high, ["higher in B", "lower in B"])],
      { low: low, high: high });
  }

  function parity(caseName, name, a, b) {  // run_pair._parity
    var metric = "parity with David |loss diff|";
    var none = { held_gap: null, identical: null, max_loss_difference: null, tolerance: C.parity_tolerance };
    var checkA = a.parity[name] || none, checkB = b.parity[name] || none;
    if (checkA.held_gap === null || checkB.held_gap === null) {
      var missing = ["A", "B"].filter(function (run, i) { return [checkA, checkB][i].held_gap === null; });
      return row(caseName, name, metric, UNDECIDED, false, "no parity measured in " + missing.join(" and "));
    }
    var sameA = checkA.identical, sameB = checkB.identical;
    var verdict = sameA && sameB ? "identical" : sameA ? "worse" : sameB ? "better" : SAME;
    var rule = parityRule(checkA.max_loss_difference, checkB.max_loss_difference);
    return row(caseName, name, metric, verdict, a.dtype === "float64" && rule === "REGRESSED",
      "max |loss difference| vs tolerance " + pyGeneral(checkB.tolerance, 6),
      [tiny(checkA.held_gap), tiny(checkB.held_gap), "-"]);
  }

  function compareTwoRuns(runA, runB) {  // run_pair.compare_two_runs (gate_speed, default limits)
    var casesA = new Map(runA.cases.map(function (c) { return [c.case, c]; }));
    var casesB = new Map(runB.cases.map(function (c) { return [c.case, c]; }));
    if (!runA.cases.some(function (c) { return casesB.has(c.case); })) {
      return { rows: [], problem: runA.described + " and " + runB.described + " have no case in common: nothing to compare" };
    }
    var rows = [], names = Array.from(casesA.keys()).concat(Array.from(casesB.keys()).filter(function (c) { return !casesA.has(c); }));
    names.forEach(function (caseName) {
      var a = casesA.get(caseName), b = casesB.get(caseName);
      if (!a || !b) { rows.push(row(caseName, "", "(case)", a ? ONLY_IN_A : ONLY_IN_B, false, "")); return; }
      var fighters = a.fighters.concat(b.fighters.filter(function (n) { return a.fighters.indexOf(n) < 0; }));
      fighters.forEach(function (name) {
        if (b.fighters.indexOf(name) < 0 || a.fighters.indexOf(name) < 0) {
          rows.push(row(caseName, name, "(fighter)", a.fighters.indexOf(name) >= 0 ? ONLY_IN_A : ONLY_IN_B, false, ""));
          return;
        }
        rows.push(finished(caseName, name, a, b), time(caseName, name, a, b), accuracy(caseName, name, a, b));
        if (name === "david") {
          var afterNames = b.gate.speedups.map(function (e) { return e[0]; });
          a.gate.speedups.forEach(function (entry) {
            if (afterNames.indexOf(entry[0]) >= 0) {
              rows.push(speedup(caseName, entry[0], a.gate, b.gate, entry[0] === C.gated_opponent));
            }
          });
        } else if (a.mode === "fair" && b.mode === "fair") {
          rows.push(parity(caseName, name, a, b));
        }
      });
    });
    return { rows: rows, problem: "" };
  }

  // ---- The page ----

  function load(src, done, failed) {  // a script tag: works from file://, where fetch() does not
    var script = document.createElement("script");
    script.src = src; script.onload = done; script.onerror = failed;
    document.head.appendChild(script);
  }

  function page(data) {
    C = data.constants;
    var runs = window.benchRuns || [], order = {}, byKey = {};
    runs.forEach(function (run, i) { order[run.key] = i; byKey[run.key] = run; });
    var published = window.benchPublishedPairs || [];
    var pickA = document.getElementById("run-a"), pickB = document.getElementById("run-b");
    var pairPick = document.getElementById("pair"), only = document.getElementById("differences-only");
    var problem = document.getElementById("pair-problem"), note = document.getElementById("pair-note");
    var current = null, asked = 0;

    [pickA, pickB].forEach(function (pick) {
      runs.slice().reverse().forEach(function (run) {
        var option = document.createElement("option");
        option.value = run.key;
        pick.appendChild(option);
      });
    });
    function label() {  // every run, newest first; those on the other chosen run's machine marked
      [[pickA, pickB], [pickB, pickA]].forEach(function (picks) {
        var other = byKey[picks[1].value];
        Array.prototype.forEach.call(picks[0].options, function (option) {
          var run = byKey[option.value];
          if (!run) { return; }
          option.textContent = run.run_id + " · " + (run.commit.slice(0, 7) || "no commit") + " · " + run.date +
            " · " + run.machine + (other && other.key !== run.key && other.machine === run.machine ? " · same machine" : "");
        });
      });
    }

    function render() {
      var body = document.querySelector("#compare-rows tbody");
      body.textContent = "";
      if (!current) { return; }
      problem.textContent = current.problem;
      current.rows.forEach(function (r) {
        if (only.checked && !r.changed) { return; }
        var tr = document.createElement("tr");
        tr.className = (r.regressed ? "worse regressed" : r.changed ? "changed" : "") + (r.bootstrap ? " browser-bootstrap" : "");
        [r.case, r.fighter, r.metric, r.a, r.b, r.change, r.verdict + (r.regressed ? " (REGRESSED)" : ""), r.test].forEach(function (text) {
          var td = document.createElement("td");
          td.textContent = text;  // text, never markup: names come from results
          tr.appendChild(td);
        });
        if (r.bootstrap) { tr.title = "interval bootstrapped in this browser: same scheme as Python, other random draws"; }
        body.appendChild(tr);
      });
      document.body.dataset.rows = String(body.children.length);
    }

    function shown(id, pair, source) {
      current = window.benchShownPair = pair;
      document.body.dataset.source = source;
      document.body.dataset.pair = id;
      var bootstrapped = pair.rows.some(function (r) { return r.bootstrap; });
      note.textContent = source === "python"
        ? "A published pair: its rows were computed by Python at publish time (python -m bench compare)."
        : "Computed in this browser from both runs' data (runs/RUN.pair.js) by the same rules and statistics as python -m bench compare." +
          (bootstrapped ? " The intervals of the median epoch time rows (marked by a dotted border) come from the same two-stage bootstrap as Python's (" +
            C.resamples.toLocaleString("en") + " resamples over the shared seeds, then epochs; percentile interval) with different random draws: their bounds may differ slightly from Python's." : "");
      render();
    }

    function show() {
      var a = pickA.value, b = pickB.value, ticket = ++asked;
      label();
      problem.textContent = ""; note.textContent = "";
      current = null; render();
      if (!a || !b) { return; }
      if (a === b) { problem.textContent = "choose two different runs"; return; }
      if (order[a] > order[b]) { var swap = a; a = b; b = swap; pickA.value = a; pickB.value = b; label(); }  // A: the older run
      var id = a + "__" + b, reverse = b + "__" + a;
      if (published.indexOf(id) < 0 && published.indexOf(reverse) >= 0) { id = reverse; }  // --compare named it newer first
      history.replaceState(null, "", "#" + encodeURIComponent(id));
      pairPick.value = published.indexOf(id) >= 0 ? id : "";
      if (published.indexOf(id) >= 0) {
        var ready = function () { if (ticket === asked) { shown(id, window.benchPairs[id], "python"); } };
        if (window.benchPairs[id]) { ready(); } else {
          load("compare/" + encodeURIComponent(id) + ".js", ready, function () { problem.textContent = "pair not published: " + id; });
        }
        return;
      }
      var keys = [a, b], waiting = keys.filter(function (k) { return !window.benchPairData[k]; });
      var compute = function () {
        if (ticket !== asked || keys.some(function (k) { return !window.benchPairData[k]; })) { return; }
        shown(id, compareTwoRuns(window.benchPairData[a], window.benchPairData[b]), "browser");
      };
      if (!waiting.length) { compute(); }
      waiting.forEach(function (k) {
        load("runs/" + encodeURIComponent(k) + ".pair.js", compute, function () { problem.textContent = "no data for run " + k; });
      });
    }

    function choose(id) {  // run keys may hold "__": split where both halves are runs
      return runs.some(function (run) {
        var rest = id.slice(run.key.length + 2);
        if (id.indexOf(run.key + "__") !== 0 || !byKey[rest]) { return false; }
        pickA.value = run.key; pickB.value = rest;
        return true;
      });
    }
    if (!choose(decodeURIComponent(window.location.hash.slice(1)))) {
      if (pairPick.options.length > 1) {  // the newest published pair, else the two newest runs
        choose(pairPick.options[1].value);
      } else if (runs.length > 1) {
        pickA.value = runs[runs.length - 2].key; pickB.value = runs[runs.length - 1].key;
      }
    }
    window.addEventListener("hashchange", function () {
      var id = decodeURIComponent(window.location.hash.slice(1));
      if (id !== document.body.dataset.pair && choose(id)) { show(); }
    });
    pairPick.addEventListener("change", function () { if (choose(pairPick.value)) { show(); } });
    pickA.addEventListener("change", show);
    pickB.addEventListener("change", show);
    only.addEventListener("change", render);
    show();
    window.benchDrawnAt = performance.now();
    document.body.dataset.drawn = "yes";
  }

  return { page: page, compareTwoRuns: compareTwoRuns, setConstants: function (c) { C = c; },
           pyFixed: pyFixed, pyExponent: pyExponent, pyGeneral: pyGeneral, mannWhitneyP: mannWhitneyP };
})();

if (typeof module !== "undefined") { module.exports = benchCompare; }
