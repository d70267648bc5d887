"""The published site opened from file:// in headless Chromium: plots, toggles, compare, links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import chromium, console_errors, wait_drawn
from site_stores import HOSTILE, hand_made_run, quick_run

from bench.judging.run_pair import compare_two_runs
from bench.site.compare import pair_rows
from bench.site.publish import publish
from bench.store.run_folder import load_run

pytestmark = pytest.mark.slow  # a browser starts; they still run in CI


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Three runs on one machine (David slower in the last), one on another; hostile text."""
    store = tmp_path_factory.mktemp("store")
    for k, seconds in enumerate((0.004, 0.0041, 0.008)):
        hand_made_run(
            store / f"run{k}", f"run{k}", commit=f"{k}" * 40, david_seconds=seconds,
            started=f"2026-12-0{k + 1}T10:00:00+00:00", description=HOSTILE,
        )  # fmt: skip
    hand_made_run(
        store / "other", "other", host=f"box{HOSTILE}", started="2026-12-05T10:00:00+00:00"
    )
    out = store.parent / "site"
    publish([store], out, workers=1)
    return out


@pytest.fixture(scope="module")
def driver():
    browser = chromium()
    yield browser
    browser.quit()


def open_page(driver, path, drawn=True):
    driver.get(path.as_uri())
    if drawn:
        wait_drawn(driver)
    assert console_errors(driver) == []
    assert driver.execute_script("return window.pwned") is None  # hostile text stayed text


def test_every_page_opens_from_file_and_draws_its_plots(driver, site):
    open_page(driver, site / "index.html")
    assert (
        driver.execute_script("return document.querySelectorAll('.small-plot .main-svg').length")
        >= 1
    )
    open_page(driver, site / "cases" / "moons.html")
    drawn = driver.execute_script(
        "return ['speedup', 'accuracy', 'ms']"
        ".map(n => document.getElementById('plot-' + n).data.length)"
    )
    assert drawn == [2, 2, 4]  # one line per machine: vs Keras; David; David and Keras
    for page in ("runs.html", "machines.html", "runs/run0.html"):
        open_page(driver, site / page, drawn=False)
    open_page(driver, site / "compare.html")


def test_toggling_a_fighter_hides_its_traces(driver, site):
    open_page(driver, site / "cases" / "moons.html")
    visible = "return document.getElementById('plot-ms').data.map(t => [t.meta.fighter, t.visible])"
    assert all(shown in (None, True) for _, shown in driver.execute_script(visible))
    driver.find_element("css selector", "#fighters input[data-fighter='keras']").click()
    states = driver.execute_script(visible)
    assert {fighter for fighter, shown in states if shown is False} == {"keras"}
    hidden = driver.execute_script(
        "return document.getElementById('plot-speedup').data"
        ".filter(t => t.visible === false).length"
    )
    assert hidden == 2  # Keras's speed-up line on both machines


def test_compare_page_shows_the_pair_rows_and_differences_only(driver, site):
    pair = (site / "compare" / "run1__run2.js").read_text(encoding="utf-8")
    rows = json.loads(pair.split(" = ", 1)[1].rstrip(";\n"))["rows"]
    changed = [row for row in rows if row["changed"]]
    assert 0 < len(changed) < len(rows)
    open_page(driver, site / "compare.html")
    driver.execute_script(
        "const pick = document.getElementById('pair'); pick.value = 'run1__run2';"
        "pick.dispatchEvent(new Event('change'));"
    )
    count = "return document.querySelectorAll('#compare-rows tbody tr').length"
    assert driver.execute_script(count) == len(rows)
    text = driver.find_element("id", "compare-rows").text
    assert "slower" in text  # David took twice as long in run2
    driver.find_element("id", "differences-only").click()
    assert driver.execute_script(count) == len(changed)


def test_clicking_a_point_opens_its_run(driver, site):
    open_page(driver, site / "cases" / "moons.html")
    from selenium.webdriver.common.action_chains import ActionChains

    points = driver.find_elements("css selector", "#plot-speedup .scatterlayer .trace .points path")
    assert points
    ActionChains(driver).move_to_element(points[0]).click().perform()
    for _ in range(50):
        if "/runs/" in driver.current_url:
            break
        driver.implicitly_wait(0.1)
        ActionChains(driver).move_to_element(points[0]).click().perform()
    assert driver.current_url.endswith("/runs/run0.html")
    assert "Run run0" in driver.title
    assert console_errors(driver) == []


def test_a_run_page_compares_with_any_other_run(driver, site):
    open_page(driver, site / "runs" / "run2.html")  # its selector is ready when data-drawn is set
    options = driver.execute_script(
        "return Array.from(document.querySelectorAll('#compare-run option')).map(o => o.value)"
    )
    assert sorted(options) == ["", "other", "run0", "run1"]  # every other run, never itself

    def choose(run):
        driver.execute_script(
            "const pick = document.getElementById('compare-run'); pick.value = arguments[0];"
            "pick.dispatchEvent(new Event('change'));",
            run,
        )
        return driver.find_element("id", "compare-how")

    # run1 -> run2 is published (the run before it on this machine): a link to its rows.
    link = choose("run1").find_element("tag name", "a")
    assert link.get_attribute("href").endswith("/compare.html#run1__run2")
    # run0 -> run2 is not published: computed in the page, A the older run; the command named.
    how = choose("run0")
    assert (
        how.find_element("tag name", "a").get_attribute("href").endswith("/compare.html#run0__run2")
    )
    folder = "return window.benchRuns.find(run => run.key === 'run0').folder"
    store = Path(driver.execute_script(folder)).parent
    assert (store / "run0" / "run.json").is_file() and (store / "run2" / "run.json").is_file()
    assert how.text.endswith(
        f"(computed in the page) · python -m bench compare {store / 'run0'} {store / 'run2'}"
        " prints it"
    )
    choose("run1").find_element("tag name", "a").click()
    wait_drawn(driver)
    assert driver.execute_script("return document.getElementById('pair').value") == "run1__run2"
    assert int(driver.execute_script("return document.body.dataset.rows")) > 0
    assert console_errors(driver) == []


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    """Real runs (tests/fixtures/quick-run, 4 seeds, iris in native mode) on one machine: qa,
    qmid, then qb (David 1.6x slower and 8 hits less a seed, Goliath 10% faster and diverged on
    iris seed 1 for a hostile reason, a hostile suite name); qa -> qb is not published. `other`
    shares no case."""
    store = tmp_path_factory.mktemp("real-store")
    shape = {"seeds": 4, "native": ("iris",)}
    quick_run(store / "qa", "qa", started="2026-12-01T10:00:00+00:00", commit="1" * 40, **shape)
    quick_run(
        store / "qmid", "qmid", started="2026-12-02T10:00:00+00:00", commit="2" * 40,
        david_factor=1.02, shift=2, **shape,
    )  # fmt: skip
    quick_run(
        store / "qb", "qb", started="2026-12-03T10:00:00+00:00", commit="3" * 40,
        david_factor=1.6, goliath_factor=0.9, david_correct=-8, diverged=("iris", 1),
        reason=HOSTILE, suite=HOSTILE, shift=1, **shape,
    )  # fmt: skip
    quick_run(
        store / "other", "other", started="2026-12-04T10:00:00+00:00", commit="4" * 40,
        case_prefix="renamed-",
    )  # fmt: skip
    out = store.parent / "real-site"  # the `site` fixture's folder is store.parent / "site"
    publish([store], out, workers=1)
    assert not (out / "compare" / "qa__qb.js").exists()  # not published: the page computes it
    return store, out


def shown_pair(driver, site, pair):
    """compare.html opened on a pair; its rows as the table shows them, and their numbers."""
    driver.get((site / "compare.html").as_uri() + "#" + pair)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.body.dataset.pair") == pair
    )
    assert console_errors(driver) == []
    assert driver.execute_script("return window.pwned") is None
    cells = driver.execute_script(
        "return Array.from(document.querySelectorAll('#compare-rows tbody tr'))"
        ".map(tr => Array.from(tr.children).map(td => td.textContent))"
    )
    return cells, driver.execute_script("return document.body.dataset.source")


def test_any_unpublished_pair_of_real_runs_has_pythons_rows(driver, real_site):
    store, site = real_site
    run_a, run_b = load_run(store / "qa"), load_run(store / "qb")
    expected = pair_rows(run_a, run_b)["rows"]
    numbers = compare_two_runs(run_a, run_b)
    cells, source = shown_pair(driver, site, "qa__qb")
    assert source == "browser"
    assert len(cells) == len(expected) > 20
    bootstrapped = 0
    for shown, row, number in zip(cells, expected, numbers, strict=True):
        verdict = row["verdict"] + (" (REGRESSED)" if row["regressed"] else "")
        want = [row["case"], row["fighter"], row["metric"], row["a"], row["b"], row["change"]]
        want += [verdict, row["test"]]
        if "by bootstrap" not in row["test"]:
            assert shown == want  # every deterministic text, exactly
            continue
        # The fair-mode time row: Python's bootstrap, other random draws: bounds within 3%.
        bootstrapped += 1
        assert shown[:5] + shown[7:] == want[:5] + want[7:]
        js = driver.execute_script(
            "const r = window.benchShownPair.rows[arguments[0]]; return [r.low, r.high];",
            cells.index(shown),
        )
        assert js[0] == pytest.approx(number.low, rel=0.03)
        assert js[1] == pytest.approx(number.high, rel=0.03)
        if number.low > 1.03 or number.high < 0.97:
            assert shown[6] == want[6]
    assert bootstrapped == 6  # David and Goliath in the three fair cases
    tests = " ".join(shown[7] for shown in cells)
    assert "one-sided Mann-Whitney p=" in tests  # 4 seeds against 4 (or 3): the exact test
    assert "geometric mean of per-seed training-time ratios" in tests  # iris, native mode
    assert any("REGRESSED" in shown[6] for shown in cells)  # David's accuracy fell
    assert any(HOSTILE in shown[7] for shown in cells)  # Goliath's diverged seed, as text
    note = driver.find_element("id", "pair-note").text
    assert "computed in this browser" in note.lower() and "different random draws" in note
    # Differences only: the rows shown as changed, the same as Python's (a bootstrap row may
    # fall either side of "same" only where Python's interval reaches within 3% of 1).
    flags = driver.execute_script("return window.benchShownPair.rows.map(r => r.changed)")
    for flag, row, number in zip(flags, expected, numbers, strict=True):
        touching = number.low is not None and number.low <= 1.03 and number.high >= 0.97
        if not ("by bootstrap" in row["test"] and touching):
            assert flag == row["changed"], row
    driver.find_element("id", "differences-only").click()
    count = "return document.querySelectorAll('#compare-rows tbody tr').length"
    assert driver.execute_script(count) == sum(flags) < len(expected)
    driver.find_element("id", "differences-only").click()


def test_runs_sharing_no_case_say_what_python_says(driver, real_site):
    store, site = real_site
    expected = pair_rows(load_run(store / "qa"), load_run(store / "other"))
    assert expected["rows"] == [] and "nothing to compare" in expected["problem"]
    cells, _ = shown_pair(driver, site, "qa__other")
    assert cells == []
    assert driver.find_element("id", "pair-problem").text == expected["problem"]


def test_a_published_pair_shows_pythons_own_rows(driver, real_site):
    _, site = real_site
    cells, source = shown_pair(driver, site, "qa__qmid")  # the run before it, same suite
    assert source == "python" and cells
    note = driver.find_element("id", "pair-note").text
    assert "computed by Python" in note
    # The page's own maths on the same pair: every text Python's, but the bootstrap's bounds.
    driver.execute_async_script(
        "const done = arguments[0]; let left = 2;"
        "for (const key of ['qa', 'qmid']) { const s = document.createElement('script');"
        "  s.src = 'runs/' + key + '.pair.js'; s.onload = () => --left || done();"
        "  document.head.appendChild(s); }"
    )
    mine = driver.execute_script(
        "return benchCompare.compareTwoRuns(benchPairData.qa, benchPairData.qmid).rows"
        ".map(r => [r.case, r.fighter, r.metric, r.a, r.b, r.bootstrap ? '' : r.change,"
        " r.test])"
    )
    assert mine == [
        [r[0], r[1], r[2], r[3], r[4], r[5] if "by bootstrap" not in r[7] else "", r[7]]
        for r in cells
    ]


def test_the_run_page_leads_to_any_pair(driver, real_site):
    _, site = real_site
    open_page(driver, site / "runs" / "qb.html")
    driver.execute_script(
        "const pick = document.getElementById('compare-run'); pick.value = 'qa';"
        "pick.dispatchEvent(new Event('change'));"
    )
    driver.find_element("css selector", "#compare-how a").click()
    cells, source = shown_pair(driver, site, "qa__qb")
    assert source == "browser" and cells
    picked = "return ['run-a', 'run-b'].map(id => document.getElementById(id).value)"
    assert driver.execute_script(picked) == ["qa", "qb"]
