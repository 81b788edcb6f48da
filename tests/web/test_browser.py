"""The map page in a real browser: Debian's headless Chromium driven by Selenium, against a live
server over the demo corpus, with every host but this machine unresolvable (no internet).

It checks what a person would: the page loads without console errors, the map shows the seed
week's hotspots, opening one (by click and by keyboard) shows its evidence and sources, and a
filter narrows the event list to what /events answers for the same filter. Screenshots go to
tests/artifacts/web/ (or $WATCHFLOOR_TEST_ARTIFACTS), ignored by git.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import SEED_FROM, SEED_TO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(
    os.environ.get("WATCHFLOOR_TEST_ARTIFACTS")
    or Path(__file__).resolve().parents[1] / "artifacts" / "web"
)
WAIT_SECONDS = 30
# Hotspots of the seed week the map must show (the seed report's Jongju launch, its Yellow Sea
# impact area and the China-North Korea border incident).
SEED_HOTSPOTS = ("Jongju", "Yellow Sea", "China")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a dev dependency")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="wf-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1200",
        f"--user-data-dir={profile}",
        # Nothing outside this machine resolves: the page must need no internet.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), path
    return path


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait_for(driver: Any, condition: Any, what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=what)


def body_attribute(name: str, value: str) -> Any:
    return lambda d: d.find_element("tag name", "body").get_attribute(name) == value


def hotspot_markers(driver: Any) -> dict[str, Any]:
    return {
        marker.find_element("css selector", ".hs-label").text: marker
        for marker in driver.find_elements("css selector", ".hotspot-icon")
    }


def test_the_seed_week_on_the_map_with_evidence_and_filters(
    browser: Any, seed_base: str, api: httpx.Client
) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    browser.get(f"{seed_base}/")
    wait_for(browser, body_attribute("data-loaded", "true"), "the page did not finish loading")

    # The window is the latest report's: the seed week.
    assert browser.find_element("id", "from").get_attribute("value") == SEED_FROM
    assert browser.find_element("id", "to").get_attribute("value") == SEED_TO

    # The map shows the hotspots /hotspots gives for that week, the seed's among them.
    layer = api.get(
        "/hotspots", params={"from": SEED_FROM, "to": SEED_TO, "as_of": "2026-05-29T00:00:00Z"}
    ).json()
    expected = {f["properties"]["label"]: f for f in layer["features"]}
    markers = hotspot_markers(browser)
    assert set(markers) == set(expected)
    for name in SEED_HOTSPOTS:
        assert any(name in label for label in markers), f"no {name} hotspot on the map"
    for label, marker in markers.items():  # intensity in words and digits, not colour alone
        intensity = expected[label]["properties"]["intensity"]
        assert f"intensity {intensity} of 5" in marker.get_attribute("aria-label")
        assert marker.find_element("css selector", ".hs-dot").text == str(intensity)
        assert marker.get_attribute("tabindex") == "0"
    threat = browser.find_element("id", "threat").text
    assert layer["threat_level"]["level"] in threat
    assert browser.find_elements("css selector", "#history svg")
    assert browser.find_elements("css selector", "#report a[href*='format=html']")
    assert not console_errors(browser)
    shots = [screenshot(browser, "map-seed-week.png")]

    # Clicking Jongju opens its events' evidence sentences and source links.
    jongju = next(label for label in markers if "Jongju" in label)
    markers[jongju].click()
    wait_for(
        browser,
        lambda d: d.find_elements("css selector", "#detail .evidence-event"),
        "no evidence after clicking the hotspot",
    )
    detail = browser.find_element("id", "detail")
    assert browser.find_element("id", "detail-heading").text == f"Hotspot: {jongju}"
    event = api.get(f"/events/{expected[jongju]['properties']['event_ids'][0]}").json()
    mention = event["mentions"][0]
    assert mention["evidence"][-1] in detail.text
    links = [a.get_attribute("href") for a in detail.find_elements("css selector", "a.source-link")]
    assert mention["url"] in links
    shots.append(screenshot(browser, "map-hotspot-evidence.png"))

    # The keyboard reaches the markers: Enter on another hotspot opens it.
    other = next(label for label in markers if label != jongju)
    markers[other].send_keys(Keys.ENTER)
    wait_for(
        browser,
        lambda d: d.find_element("id", "detail-heading").text == f"Hotspot: {other}",
        "Enter on a focused hotspot did not open it",
    )

    # A filter narrows the list to what /events answers for the same question.
    rows = browser.find_elements("css selector", "#events li")
    unfiltered = api.get("/events", params={"from": SEED_FROM, "to": SEED_TO, "limit": 200})
    assert len(rows) == len(unfiltered.json()["items"])
    Select(browser.find_element("id", "filter-claim")).select_by_value("claimed")
    wait_for(browser, body_attribute("data-list", "ready"), "the filtered list did not load")
    rows = browser.find_elements("css selector", "#events li")
    claimed = api.get(
        "/events",
        params={"from": SEED_FROM, "to": SEED_TO, "limit": 200, "claim_status": "claimed"},
    ).json()["items"]
    assert 0 < len(rows) < len(unfiltered.json()["items"])
    assert [r.find_element("css selector", ".event-open").text for r in rows] == [
        e["title"] for e in claimed
    ]
    assert all(r.find_element("css selector", ".badge.claim").text == "claimed" for r in rows)

    # An event of the list opens its own evidence.
    rows[0].find_element("css selector", ".event-open").click()
    wait_for(
        browser,
        lambda d: (
            d.find_element("id", "detail-heading").text == "Event"
            and d.find_elements("css selector", "#detail .evidence-event h3")
        ),
        "the event of the list did not open",
    )
    assert (
        browser.find_element("css selector", "#detail .evidence-event h3").text
        == (claimed[0]["title"])
    )
    shots.append(screenshot(browser, "map-filtered-claimed.png"))
    assert not console_errors(browser)
    for shot in shots:
        assert shot.stat().st_size > 10_000, shot  # a rendered page, not a blank one


def test_api_docs_render_offline(browser: Any, seed_base: str) -> None:
    browser.get(f"{seed_base}/docs")
    wait_for(
        browser,
        lambda d: (
            "Watchfloor"
            in " ".join(e.text for e in d.find_elements("css selector", ".swagger-ui .info .title"))
        ),
        "Swagger UI did not render",
    )
    assert browser.find_elements("css selector", ".swagger-ui .opblock")  # the operations
    screenshot(browser, "docs-swagger-ui.png")
    browser.get(f"{seed_base}/redoc")
    wait_for(
        browser,
        lambda d: any("Watchfloor" in h.text for h in d.find_elements("css selector", "h1")),
        "ReDoc did not render",
    )
    screenshot(browser, "docs-redoc.png")
