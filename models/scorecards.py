"""Scorecards as the judge reads them: items naming a behaviour it was trained on need no words of their own."""
from __future__ import annotations

from pathlib import Path

from callscore.core.scorecard import Scorecard
from callscore.core.scorecard import load as load_with
from callscore.models.judge import BUILTIN_BEHAVIOURS


def load(path: Path | str) -> Scorecard:
    return load_with(path, BUILTIN_BEHAVIOURS)
