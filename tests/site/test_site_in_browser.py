"""The published site opened from file:// in headless Chromium: plots, toggles, compare, links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import chromium, console_errors, wait_drawn
from site_stores import HOSTILE, hand_made_run

from bench.site.publish import publish

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
    # run0 -> run2 is not: the exact commands, A the older run, with the folders of the store.
    how = choose("run0").text
    folder = "return window.benchRuns.find(run => run.key === 'run0').folder"
    store = Path(driver.execute_script(folder)).parent
    assert (store / "run0" / "run.json").is_file() and (store / "run2" / "run.json").is_file()
    assert f"python -m bench compare {store / 'run0'} " in how
    assert how.endswith(
        f"{store / 'run2'} prints it, or "
        "python -m bench publish STORE --compare run0 run2 adds it to the site"
    )
    choose("run1").find_element("tag name", "a").click()
    wait_drawn(driver)
    assert driver.execute_script("return document.getElementById('pair').value") == "run1__run2"
    assert int(driver.execute_script("return document.body.dataset.rows")) > 0
    assert console_errors(driver) == []
