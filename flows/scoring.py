"""What the flows do, without Prefect: decide what needs scoring, score one recording into the store,
summarise a run. Prefect only adds tasks, retries, concurrency and the UI around these."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from callscore.flows.discover import Recording, local_copy
from callscore.audio.decode import AudioError
from callscore.core.scorecard import Scorecard
from callscore.settings import Settings
from callscore.store import open_store
from callscore.analytics.metrics import store_result
from callscore.store.repository import quarantine, quarantined, scored_keys

# OSErrors that retrying cannot fix.
PERMANENT_OS_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


@dataclass
class Outcome:
    url: str
    call_id: str
    status: str  # scored | skipped (stored meanwhile by another run) | failed
    flags: list[str] = field(default_factory=list)
    reason: str = ""


def is_transient(error: BaseException) -> bool:
    """Worth retrying: network or disk hiccups and a database that is briefly unreachable."""
    return isinstance(error, OperationalError) or (
        isinstance(error, OSError) and not isinstance(error, PERMANENT_OS_ERRORS))


def expected_versions(settings: Settings, card: Scorecard) -> dict:
    """The versions a result scored now would carry (without loading any model)."""
    from callscore.models import phrases
    from callscore.pipeline.result import versions

    from callscore import languages

    # the speech model a call gets for the queue's (or scorecard's) language: tiny.en is English-only
    return versions(languages.for_call(settings, card.language).asr_model,
                    phrases.active_version(settings.classifier_dir), card).model_dump()


def plan(settings: Settings, recordings: list[Recording], versions: dict,
         skip_quarantined: bool = True) -> tuple[list[Recording], int]:
    """(recordings to score, how many are skipped): skipped when this content was already scored with these
    versions, or was quarantined and has not changed since."""
    with open_store(settings).session() as session:
        # a transcript's result names its own ASR (transcript:<format>), not the speech model of the settings
        done = set().union(*(scored_keys(session, versions | ({"asr_model": asr} if asr else {}))
                             for asr in {_own_asr_model(r, settings) for r in recordings}))
        bad = quarantined(session) if skip_quarantined else {}
    todo = [r for r in recordings if (r.call_id, r.sha256) not in done and bad.get(r.url) != r.quarantine_key]
    return todo, len(recordings) - len(todo)


def _own_asr_model(recording: Recording, settings: Settings) -> str | None:
    """The speech model a recording's result names when that is not the inbox's: a transcript's own format, or
    the multilingual model its sidecar's language needs (tiny.en is English-only; callscore.languages)."""
    from callscore import languages

    language = recording.call_info.get("meta", {}).get("language")
    if recording.asr_model or not language:
        return recording.asr_model
    return languages.asr_model_for(settings.asr_model, languages.call_language(language))


def score_and_store(recording: Recording, settings: Settings, card: Scorecard, run_id: int | None) -> Outcome:
    """Score one recording and store the result in its own transaction. An unreadable recording, or one
    whose sidecar is not valid (found before any scoring), is quarantined with the reason; any other error is
    raised (retried if transient, else reported as failed and tried again next run: it is more likely a fault
    of ours than of the file)."""
    from callscore.native_memory import before_each_call
    from callscore.pipeline.score import score_call

    before_each_call()  # a worker scores thousands of calls a night: keep its heap flat
    store = open_store(settings)
    if recording.sidecar_error:
        return _quarantine(store, recording, recording.sidecar_error)
    try:
        with local_copy(recording.url) as path:
            document = score_call(path, settings, card, recording.call_info.get("meta", {}).get("language"))
    except AudioError as error:
        return _quarantine(store, recording, error.cause)
    document["audio"]["path"] = recording.url  # not the temporary download
    with store.session() as session, session.begin():
        result_id = store_result(session, document, recording.url, recording.call_info, run_id)
    return Outcome(recording.url, document["call_id"], "scored" if result_id else "skipped", document["flags"])


def _quarantine(store, recording: Recording, reason: str) -> Outcome:
    with store.session() as session, session.begin():
        quarantine(session, recording.url, recording.quarantine_key, reason)
    return Outcome(recording.url, recording.call_id, "failed", reason=reason)


def summarize(outcomes: list[Outcome], skipped: int) -> dict:
    scored = [o for o in outcomes if o.status == "scored"]
    return {"scored": len(scored), "skipped": skipped + sum(o.status == "skipped" for o in outcomes),
            "failed": sum(o.status == "failed" for o in outcomes), "flagged": sum(bool(o.flags) for o in scored),
            "failures": {o.url: o.reason for o in outcomes if o.status == "failed"}}


def render_summary(summary: dict, title: str) -> str:
    """Markdown: the counts table, then one line per failed file with its reason."""
    lines = [f"# {title}", "", "| scored | skipped | failed | flagged for review |", "|---|---|---|---|",
             f"| {summary['scored']} | {summary['skipped']} | {summary['failed']} | {summary['flagged']} |"]
    if summary["failures"]:
        lines += ["", "## Failed (unreadable recordings are quarantined; other errors are tried again next run)", ""]
        lines += [f"- `{url}`: {reason}" for url, reason in summary["failures"].items()]
    return "\n".join(lines)
