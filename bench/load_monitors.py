"""QA monitors for the load bench: logged-in HTTP sessions that use the review app as a person does (queue, a
call page, a submitted review, analytics), timing each page. Asynchronous, so 50 of them cost one process."""
from __future__ import annotations

import asyncio
import math
import random
import re
import time
from dataclasses import dataclass, field

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CALL_LINK = re.compile(r'href="/calls/([^"?]+)"')
CHECKED = re.compile(r'name="outcome__([\w-]+)" value="(\w+)" checked')
TIMEOUT_S = 120.0  # a page slower than this is an error, not a slow page


@dataclass
class Timings:
    """Seconds per page, failures (5xx, wrong status, timeouts, refused connections) per page, reviews saved."""
    seconds: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    submitted: set[tuple[str, str]] = field(default_factory=set)  # (call id, username) the app answered 303 to

    def add(self, page: str, seconds: float, error: str | None) -> None:
        self.seconds.setdefault(page, []).append(seconds)
        if error:
            self.errors.setdefault(page, []).append(error)

    def error_count(self) -> int:
        return sum(map(len, self.errors.values()))


class Monitor:
    """One logged-in session; each method is one page and records its time and whether it failed."""

    def __init__(self, base_url: str, username: str, password: str, timings: Timings):
        self.client = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S, follow_redirects=False)
        self.username, self.password, self.timings = username, password, timings
        self.csrf = ""

    async def close(self) -> None:
        await self.client.aclose()

    async def _timed(self, page: str, method: str, url: str, expect: int, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            self.timings.add(page, time.perf_counter() - started, f"{type(error).__name__} {url}")
            return None
        wrong = response.status_code != expect
        self.timings.add(page, time.perf_counter() - started,
                         f"{response.status_code} {method} {url}: {response.text[:120]}" if wrong else None)
        return None if wrong else response

    async def log_in(self) -> bool:
        page = await self._timed("login", "GET", "/login", 200)
        if page is None:
            return False
        answer = await self._timed("login", "POST", "/login", 303, data={
            "username": self.username, "password": self.password, "csrf_token": CSRF.search(page.text)[1]})
        return answer is not None

    async def queue(self) -> list[str]:
        """The call ids the queue lists (its first page)."""
        page = await self._timed("queue", "GET", "/queue", 200)
        if page is None:
            return []
        self.csrf = CSRF.search(page.text)[1]
        return CALL_LINK.findall(page.text)

    async def call_page(self, call_id: str) -> dict[str, str] | None:
        """The outcomes the call page has checked (the machine's, or this monitor's earlier review)."""
        page = await self._timed("call", "GET", f"/calls/{call_id}", 200)
        return dict(CHECKED.findall(page.text)) if page is not None else None

    async def submit_review(self, call_id: str, outcomes: dict[str, str]) -> None:
        """Submit the call's review as the form stands (every verdict confirmed), with a comment."""
        form = {f"outcome__{item}": outcome for item, outcome in outcomes.items()}
        form |= {"csrf_token": self.csrf, "action": "submit", "comments": f"load bench, {self.username}"}
        if await self._timed("review", "POST", f"/calls/{call_id}/review", 303, data=form) is not None:
            self.timings.submitted.add((call_id, self.username))

    async def analytics(self) -> None:
        await self._timed("analytics", "GET", "/analytics", 200)


async def review_rounds(monitor: Monitor, rounds: int, think_s: tuple[float, float], rng: random.Random,
                        stop: asyncio.Event | None = None) -> None:
    """Log in, then `rounds` times (fewer if `stop` is set): the queue, a call from it, its review submitted, the
    analytics overview, with a pause between pages (a person reads). A round whose queue is empty (nothing scored
    yet) only opens analytics."""
    if not await monitor.log_in():
        return
    for _ in range(rounds):
        if stop is not None and stop.is_set():
            return
        calls = await monitor.queue()
        await asyncio.sleep(rng.uniform(*think_s))
        if calls:
            call_id = rng.choice(calls)
            outcomes = await monitor.call_page(call_id)
            await asyncio.sleep(rng.uniform(*think_s))
            if outcomes:
                await monitor.submit_review(call_id, outcomes)
                await asyncio.sleep(rng.uniform(*think_s))
        await monitor.analytics()
        await asyncio.sleep(rng.uniform(*think_s))


async def run_monitors(base_url: str, users: list[tuple[str, str]], rounds: int, think_s: tuple[float, float],
                       stop: asyncio.Event | None = None, seed: int = 18) -> Timings:
    """Every user works through `rounds` rounds at once (until `stop`); returns the pages' times and failures."""
    timings = Timings()
    monitors = [Monitor(base_url, username, password, timings) for username, password in users]
    try:
        await asyncio.gather(*(review_rounds(m, rounds, think_s, random.Random(seed + i), stop)
                               for i, m in enumerate(monitors)))
    finally:
        await asyncio.gather(*(m.close() for m in monitors))
    return timings


async def poll(base_url: str, user: tuple[str, str], every_s: float, stop: asyncio.Event) -> Timings:
    """One logged-in session opening the queue every `every_s` until `stop`: does the app answer throughout?"""
    timings = Timings()
    monitor = Monitor(base_url, *user, timings)
    try:
        if await monitor.log_in():
            while not stop.is_set():
                await monitor.queue()
                try:
                    await asyncio.wait_for(stop.wait(), every_s)
                except TimeoutError:
                    pass
    finally:
        await monitor.close()
    return timings


def p95(values: list[float]) -> float:
    """Nearest rank: the smallest time that 95 % of the pages took at most."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1] if ordered else float("nan")
