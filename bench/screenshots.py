"""Screenshots of the analytics pages (team, agent, script insight, report, a team with too few calls) in headless
Chromium, on a synthetic store of a small centre, for the README and for judging how the pages read.

    python bench/screenshots.py [--out docs/screenshots]
"""
from __future__ import annotations

import argparse
import re
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from analytics import build

CHROMIUM = "/usr/bin/chromium"
PAGES = {"team.png": "/analytics/teams/Summit", "agent.png": "/analytics/agents/T01-A03",
         "script.png": "/analytics/script", "report.png": "/analytics/report?period=week&at=2026-W47",
         "team_few_calls.png": "/analytics/teams/Night%20shift"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    args = parser.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from callscore.review import demo
    from callscore.review.app import create_app
    from callscore.settings import Settings
    from callscore.store import Store
    from callscore.analytics.metrics import store_result

    work = Path(tempfile.mkdtemp(prefix="callscore-shots-"))
    url = f"sqlite:///{work / 'store.db'}"
    build(url, 6000, 13, teams=4, agents_per_team=6)
    store = Store(url)
    with store.session() as session, session.begin():  # a new team: three calls, not enough for figures
        for n in range(3):
            store_result(session, demo.document(f"night-{n}", demo.default_card()), f"/rec/night-{n}.wav",
                         {"agent_id": "N-A01", "team": "Night shift", "call_time": datetime(2026, 11, 18 + n, 23)})
    server = uvicorn.Server(uvicorn.Config(create_app(store, Settings(home=work / "home", cache_dir=work / "cache")),
                                           host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1).new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "lead")
        page.fill("input[name=password]", "bench-lead")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/queue"))
        for name, path in PAGES.items():
            page.goto(base + path)
            page.screenshot(path=str(args.out / name), full_page=True)
            print(f"{args.out / name}  {path}")
        browser.close()
    server.should_exit = True
    thread.join(10)


if __name__ == "__main__":
    main()
