"""CLI commands for the results store and the Prefect flows (nightly, reprocess, calls, serve)."""
from __future__ import annotations


def add_parsers(commands) -> None:
    """Register the store/flow subcommands on the main `callscore` parser."""
