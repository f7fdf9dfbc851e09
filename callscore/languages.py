"""Which language a call is in, and what follows from it: the speech model, Chinese in Simplified characters
(how words join into text and where sentences end in other scripts: callscore.core.text).

A call's language is set, never guessed by default: on telephone-band speech Whisper's own detection
took Malay for Thai and Ukrainian for something else nearly every time (issue 16). `auto` asks for
detection explicitly.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

DEFAULT = "en"
AUTO = "auto"
ENGLISH_ONLY_MODELS = ("tiny.en",)
MULTILINGUAL_FALLBACK = "base"  # the only multilingual Whisper weights packaged (models/registry.py)
ALIASES = {"cmn": "zh", "zho": "zh", "chi": "zh", "msa": "ms", "may": "ms", "zsm": "ms", "ind": "id", "in": "id",
           "urd": "ur", "ukr": "uk", "eng": "en"}


def normalise(code: str | None) -> str | None:
    """'zh-CN' -> 'zh', 'ms_MY' -> 'ms', 'cmn' -> 'zh'; empty -> None (not set)."""
    if not code or not str(code).strip():
        return None
    base = str(code).strip().lower().replace("_", "-").split("-")[0]
    return ALIASES.get(base, base)


def call_language(sidecar: str | None = None, setting: str | None = None, scorecard: str | None = None) -> str:
    """The language of one call: what the call's own metadata says (sidecar, or the transcript file), else the
    queue/inbox setting (--language, CALLSCORE_LANGUAGE), else the scorecard's `language:`, else English.
    The most specific source wins: a queue may take the odd call in another language, and a scorecard is
    shared by queues. `auto` (detect) is only ever what one of them asked for."""
    return next((code for code in map(normalise, (sidecar, setting, scorecard)) if code), DEFAULT)


def asr_model_for(model: str, language: str) -> str:
    """An English-only speech model cannot transcribe another language (tiny.en turns Malay into garbled
    English): use the multilingual base instead. A model folder (--model DIR) is the site's choice."""
    return MULTILINGUAL_FALLBACK if model in ENGLISH_ONLY_MODELS and language != DEFAULT else model


def whisper_language(language: str | None) -> str | None:
    """The language argument for faster-whisper: None (detect) only when `auto` was asked for."""
    return None if language == AUTO else normalise(language) or DEFAULT


def for_call(settings, scorecard: str | None = None, sidecar: str | None = None):
    """Settings for one call: the language resolved and a speech model that can hear it."""
    language = call_language(sidecar, settings.language, scorecard)
    return settings.model_copy(update={"language": language,
                                       "asr_model": asr_model_for(settings.asr_model, language)})


def model_note(requested: str, used: str, language: str) -> str | None:
    """What the result's versions say when the speech model was swapped for the call's language."""
    if requested == used:
        return None
    return f"{requested} is English-only; {used} (multilingual) used for language {language}"


def sidecar_language(path: Path | str) -> str | None:
    """`language` of the metadata sidecar `<stem>.json` beside a recording, if there is one that says it."""
    sidecar = Path(path).with_suffix(".json")
    if sidecar == Path(path) or not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # an unreadable sidecar is reported where sidecars are checked (store.call_info)
    value = data.get("language") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


@functools.cache
def _to_simplified():
    from opencc import OpenCC

    return OpenCC("t2s")


def script_normalised(text: str, language: str | None) -> str:
    """Chinese in Simplified characters, whatever script Whisper chose (it mixes Traditional in, which
    would split one word into two spellings for search, redaction and the judge)."""
    return _to_simplified().convert(text) if normalise(language) == "zh" and text else text
