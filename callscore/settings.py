"""One typed settings object for the whole tool: defaults, overridden by CALLSCORE_* env vars,
overridden by CLI flags. Modules take a Settings, they do not read the environment."""
from __future__ import annotations

import os
import warnings
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

# Offline by construction: no model hub at run time, no telemetry. Set before pyannote/prefect import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Without PREFECT_API_URL a flow starts a temporary Prefect server and gives it 20 s to answer; two nightly runs
# starting together on 2 busy cores took longer, and both exited having scored nothing (bench/load.py).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

# pyannote warns at import that torchcodec cannot load; pyannote never decodes audio here
# (audio.decode does), so the warning would only alarm users.
warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed correctly")

REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout (tests, bench); nothing installed reads it
# Package data, found where the package is installed (a wheel or the checkout's editable install)
SCORECARDS = Path(str(files("callscore.scorecards")))
CLASSIFIER_DIR = Path(str(files("callscore.models"))) / "artifacts"


def default_home() -> Path:
    """Where the results store and Prefect's state live (CALLSCORE_HOME)."""
    return Path(os.environ.get("CALLSCORE_HOME") or Path.home() / ".local" / "share" / "callscore")


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "callscore"


class Settings(BaseModel):
    asr_model: str = Field("tiny.en", description="tiny.en, base, or a local CTranslate2 directory")
    language: str | None = Field(None, description="language code of the calls (the queue's), or 'auto' to detect; "
                                 "not set: the sidecar's, else the scorecard's (callscore.languages.call_language)")
    beam_size: int = Field(5, ge=1, le=10)
    asr_prompt: str | None = Field(None, description="vocabulary hint for the speech model (product names, "
                                   "company names); off by default: on the synthetic corpus it did not help")
    retry_words_per_s: float = Field(0.8, ge=0, description="a voiced turn (1.5 s or more) that the speech model "
                                     "gave fewer words per second than this is transcribed again on its own; "
                                     "Whisper over a whole channel sometimes drops a sentence. 0 turns it off")
    cpu_threads: int = Field(2, ge=1)
    channels: str = Field("auto", description="'auto', or a map like 'agent=0,customer=1'")
    mono: bool = False
    speakers: int | None = Field(None, ge=1, description="exact number of speakers (mono)")
    min_speakers: int = Field(2, ge=1)
    max_speakers: int = Field(2, ge=1)
    crosstalk_db: float = Field(15.0, gt=0, description="a channel this far below the other is leakage")
    min_silence_s: float = Field(5.0, gt=0)
    allow_partial: bool = Field(False, description="score a recording cut short (decoded length below what its "
                                "header declares) instead of refusing it; the result is flagged 'truncated'")
    redact: bool = Field(True, description="mask card numbers and personal data before anything is stored")
    redact_mask: Literal["type", "hash"] = "type"
    audio_redaction: Literal["tone", "silence"] = Field("tone", description="what covers redacted stretches "
                                                        "in audio the review app serves")
    retention_days: int = Field(90, ge=1, description="after this many days `callscore retention run` "
                                "removes transcripts, evidence text and derived audio (scores and reviews stay)")
    scorecard: Path = SCORECARDS / "default.yaml"
    classifier_dir: Path = Field(CLASSIFIER_DIR,
                                 description="phrase classifier versions; its ACTIVE file names the one used")
    cache_dir: Path = Field(default_factory=_default_cache)
    db_url: str | None = Field(None, description="results store URL; default SQLite at <home>/callscore.db")
    home: Path = Field(default_factory=default_home)

    @field_validator("channels")
    @classmethod
    def _check_channels(cls, value: str) -> str:
        parse_channel_map(value)
        return value

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults < CALLSCORE_<FIELD> env vars < explicit overrides (CLI flags; None = not given)."""
        values = {}
        for name in cls.model_fields:
            env = os.environ.get(f"CALLSCORE_{name.upper()}")
            if env is not None:
                values[name] = None if env.lower() in ("", "none") and name == "language" else env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def speaker_bounds(self) -> tuple[int, int]:
        if self.speakers:
            return self.speakers, self.speakers
        return self.min_speakers, max(self.min_speakers, self.max_speakers)


def parse_channel_map(value: str) -> dict[str, int] | None:
    """'agent=0,customer=1' -> {'agent': 0, 'customer': 1}; 'auto' -> None."""
    if value.strip().lower() == "auto":
        return None
    mapping: dict[str, int] = {}
    for part in value.split(","):
        role, _, channel = part.partition("=")
        role = role.strip().lower()
        if role not in ("agent", "customer") or not channel.strip().isdigit():
            raise ValueError(f"channels: expected 'auto' or 'agent=0,customer=1', got {value!r}")
        mapping[role] = int(channel)
    if set(mapping) != {"agent", "customer"} or mapping["agent"] == mapping["customer"]:
        raise ValueError(f"channels: need distinct channels for agent and customer, got {value!r}")
    return mapping
