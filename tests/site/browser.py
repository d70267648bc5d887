"""Headless Chromium for the site's tests (Debian's chromium and chromium-driver, via Selenium)."""

from __future__ import annotations

import shutil
import tempfile

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium():
    """A Selenium driver of headless Chromium, or a skip saying what is missing."""
    if not (CHROMIUM and DRIVER):
        pytest.skip("no chromium and chromium-driver here: `make` installs them where it can")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium: pip install -e .[dev]")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='site-chromium-')}")
    options.add_argument("--window-size=1300,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def console_errors(driver) -> list[str]:
    """The page's console errors since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_drawn(driver, timeout: float = 60) -> None:
    """Until the page says its plots are drawn (site.js sets data-drawn when they are)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body.dataset.drawn") == "yes"
    )
