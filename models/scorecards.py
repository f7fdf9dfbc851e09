"""Scorecards as the judge reads them (items naming a behaviour it was trained on need no words of
their own), and which scorecard a stored result was scored with, found among the default scorecard's
folder and the packaged scorecards (parsed once per file version)."""
from __future__ import annotations

import functools
from pathlib import Path

from callscore.core.scorecard import Scorecard
from callscore.core.scorecard import load as load_with
from callscore.models.judge import BUILTIN_BEHAVIOURS
from callscore.settings import SCORECARDS


def load(path: Path | str) -> Scorecard:
    return load_with(path, BUILTIN_BEHAVIOURS)


@functools.cache
def _load_card(path: str, mtime: float) -> Scorecard | None:
    try:
        return load(path)
    except (ValueError, OSError):
        return None


def _cards(default: Path) -> list[tuple[Path, Scorecard]]:
    folders = dict.fromkeys([Path(default).parent, SCORECARDS])
    paths = dict.fromkeys([Path(default)] + [p for folder in folders if folder.is_dir()
                                            for p in sorted(folder.glob("*.y*ml"))])
    found = []
    for path in paths:
        if path.is_file():
            card = _load_card(str(path), path.stat().st_mtime)
            if card is not None:
                found.append((path, card))
    return found


def card_for(tag: str | None, default: Path) -> Scorecard:
    """The scorecard whose version tag (name@version#digest8) the result was scored with; the same
    name@version when the file has been edited since; else the default scorecard."""
    cards = _cards(default)
    if tag:
        for _, card in cards:
            if card.version_tag == tag:
                return card
        for _, card in cards:
            if tag.split("#")[0] == f"{card.name}@{card.version}":
                return card
    for path, card in cards:
        if path == Path(default):
            return card
    return load(default)


def card_matches(card: Scorecard, tag: str | None) -> bool:
    return bool(tag) and card.version_tag == tag
