"""End to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser download):
log in, open a flagged call, seek by clicking a word, override an item, submit, see the score change and the
audit entry; a calibration session rated by two monitors; the agreement report with kappa."""
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from callscore.review import demo
from callscore.review.app import create_app
from callscore.settings import Settings
from callscore.store import Store

CHROMIUM = Path("/usr/bin/chromium")
AUDIO = Path(__file__).parent / "fixtures" / "stereo_call.ogg"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    tmp = tmp_path_factory.mktemp("review_e2e")
    store = Store(f"sqlite:///{tmp / 'store.db'}")
    seeded = demo.seed(store, AUDIO)
    app = create_app(store, Settings(home=tmp / "home", cache_dir=tmp / "cache"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", **seeded}
    server.should_exit = True
    thread.join(10)
    store.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


def login(browser, url: str, username: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/queue")
    assert "/login" in page.url  # nothing without a session
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/queue"))
    return context, page


def test_review_a_flagged_call(server, browser):
    context, page = login(browser, server["url"], "ana")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 4
    assert "flagged" in rows.nth(0).get_attribute("class") and "flagged" in rows.nth(1).get_attribute("class")
    assert page.locator(".count.flagged b").inner_text() == "2"
    page.screenshot(path="/tmp/review_queue.png", full_page=True)

    page.click("a.call-link:text-is('call-001')")  # flagged: low confidence + dead air
    page.wait_for_url(re.compile(r"/calls/call-001"))
    assert page.locator("#machine-score").inner_text() == "90%"
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)

    word = page.locator("#transcript .w", has_text="recorded").first
    start = float(word.get_attribute("data-s"))
    word.click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.0", timeout=10000)
    current = page.evaluate("document.getElementById('player').currentTime")
    assert start - 0.05 <= current < start + 1.0
    page.wait_for_function("document.querySelector('#transcript .w.cur') !== null", timeout=5000)
    page.evaluate("document.getElementById('player').pause()")
    highlighted = page.locator("#transcript .w.cur").first
    assert float(highlighted.get_attribute("data-s")) >= start - 0.01

    # evidence jumps too
    evidence = page.locator("#item-recap .evidence").first
    evidence_start = float(evidence.get_attribute("data-s"))
    evidence.click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {evidence_start}) < 1.0")
    page.evaluate("document.getElementById('player').pause()")
    page.evaluate("document.getElementById('player').currentTime = 5.5")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.screenshot(path="/tmp/review_call.png", full_page=False)

    # override an auto-fail item with a reason, submit: the human score recomputes to 0
    item = page.locator("#item-recording_disclosure")
    item.locator("label.opt-fail").click()
    assert "overridden" in item.get_attribute("class")
    assert "auto-fail" in page.locator("#preview").inner_text()
    item.locator("input[name=reason__recording_disclosure]").fill("Disclosure came after the customer spoke")
    page.click("#submit-review")
    page.wait_for_url(re.compile(r"saved=submitted"))
    assert page.locator("#human-score").inner_text() == "0%"
    assert page.locator("#machine-score").inner_text() == "90%"  # the machine's verdict stays visible
    assert page.locator("#call-state").inner_text() == "confirmed"
    audit = page.locator("#audit").inner_text()
    assert "item.override" in audit and "recording_disclosure" in audit and "ana" in audit
    assert "Disclosure came after the customer spoke" in audit
    assert page.locator("#item-recording_disclosure input[value=fail]").is_checked()
    page.screenshot(path="/tmp/review_call_submitted.png", full_page=False)
    context.close()


def rate(browser, url: str, username: str, session_id: str, overrides: dict[str, dict[str, tuple[str, str]]]):
    context, page = login(browser, url, username)
    page.goto(f"{url}/calibration/{session_id}")
    assert page.locator("a.rate-link").count() == 2
    for call_id in ("call-001", "call-002"):
        page.goto(f"{url}/calls/{call_id}?session={session_id}")
        assert "blind rating" in page.locator(".alert.info").inner_text()
        assert page.locator("#audit").count() == 0  # no trail of other raters' work
        for item_id, (outcome, reason) in overrides.get(call_id, {}).items():
            row = page.locator(f"#item-{item_id}")
            assert row.locator(f"input[value={row.get_attribute('data-machine')}]").is_checked()  # blind: machine's
            row.locator(f"label.opt-{outcome}").click()
            row.locator(f"input[name=reason__{item_id}]").fill(reason)
        page.click("#submit-review")
        page.wait_for_url(re.compile(r"saved=calibration"))
    context.close()


def test_calibration_session_and_agreement_report(server, browser):
    url = server["url"]
    context, lead = login(browser, url, "lena")
    lead.goto(f"{url}/calibration")
    lead.click("#new-session")
    lead.fill("input[name=name]", "Week 45 calibration")
    for name in ("ana", "ben"):
        lead.check(f"input[name=rater][value='{server['users'][name]}']")
    for call_id in ("call-001", "call-002"):
        lead.check(f"input[name=call][value='{call_id}']")
    lead.click("#create-session")
    lead.wait_for_url(re.compile(r"/calibration/\d+$"))
    session_id = lead.url.rsplit("/", 1)[1]

    rate(browser, url, "ana", session_id, {"call-001": {"ownership": ("fail", "only promised, no ownership")},
                                           "call-002": {"greeting": ("fail", "no company name")}})
    rate(browser, url, "ben", session_id, {"call-001": {"ownership": ("fail", "no ownership"),
                                                        "closing": ("fail", "cut short")},
                                           "call-002": {}})

    lead.goto(f"{url}/calibration/{session_id}/report")
    cohen = lead.locator("#cohen-kappa").inner_text()
    fleiss = lead.locator("#fleiss-kappa").inner_text()
    assert re.fullmatch(r"-?\d\.\d\d", cohen), cohen
    assert re.fullmatch(r"-?\d\.\d\d", fleiss), fleiss
    assert 0 < float(cohen) < 1
    table = lead.locator("#item-agreement").inner_text()
    assert "ownership" in table and "greeting" in table
    assert lead.locator("#agreement-chart rect.ch-human").count() >= 8
    assert "recording disclosure" in lead.locator("#machine-table").inner_text()  # ana's confirmed review
    lead.screenshot(path="/tmp/review_report.png", full_page=True)
    context.close()
