"""Prefect flows over the store: nightly scoring and reprocessing (see prefect_flows.py)."""
import os

from callscore.settings import default_home

# Prefect reads PREFECT_HOME when it is imported: keep its state beside the store unless told otherwise
# (and create it: Prefect's own database cannot open in a missing folder).
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = str(default_home() / "prefect")
    os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
