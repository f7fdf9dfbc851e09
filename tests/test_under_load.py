"""What bench/load.py found with two nightly runs, the review app and a killed run on one store (issue 18)."""
import subprocess
import sys

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
