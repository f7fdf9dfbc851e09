"""What bench/load.py found with two nightly runs, the review app and a killed run on one store (issue 18)."""
import inspect
import subprocess
import sys

from callscore.review.app import create_app
from callscore.settings import Settings
from callscore.store import Store
from review_helpers import app_routes

SETTING = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"


def test_a_nightly_run_waits_for_its_temporary_prefect_server_on_a_busy_machine(monkeypatch):
    """Prefect gives the temporary server a flow starts 20 s; two nightly runs starting together took longer and
    both exited having scored nothing. Checked in a fresh interpreter: the setting is read when prefect is
    imported, and `callscore` imports its settings first."""
    monkeypatch.delenv(SETTING, raising=False)
    code = ("import callscore.settings; from prefect.settings import get_current_settings; "
            "print(get_current_settings().server.ephemeral.startup_timeout_seconds)")
    seconds = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert float(seconds) >= 120


def test_no_route_of_the_review_app_runs_on_its_event_loop(tmp_path):
    """Every route is a plain function, run in the threadpool: their work blocks (SQLAlchemy sessions, SQLite's wait
    for the write lock while a nightly run writes, scrypt at login), and inside an `async def` it holds up every
    other page meanwhile. The bench measured 5 s p95 for 50 monitors logging in at once when login was one."""
    app = create_app(Store(f"sqlite:///{tmp_path / 'store.db'}"),
                     Settings(home=tmp_path / "home", cache_dir=tmp_path / "cache"))
    on_the_loop = [f"{sorted(route.methods)} {route.path}" for route in app_routes(app.routes)
                   if inspect.iscoroutinefunction(route.endpoint)]
    assert on_the_loop == []
