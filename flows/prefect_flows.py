"""The Prefect flows: nightly scoring of an inbox and reprocessing of stored calls.

A task per call, run by the flow's task runner: threads in this process by default (models load once,
shared), or a Dask cluster whose worker processes each load the models once and keep them.
"""
from __future__ import annotations

import sys

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from callscore.flows.discover import Recording, discover
from callscore.flows.scoring import (Outcome, expected_versions, is_transient, plan, render_summary,
                                     score_and_store, summarize)
from callscore.core import scorecard as scorecards
from callscore.models.scorecards import load as load_scorecard
from callscore.settings import Settings
from callscore.store import open_store
from callscore.store.repository import Selection, finish_run, parse_day, select_calls, start_run

DEFAULT_WORKERS = 1  # scoring one call already keeps 2 cores busy


def _retry_if_transient(_task, _task_run, state) -> bool:
    try:
        state.result()
    except Exception as error:
        return is_transient(error)
    return False


# Retries only for transient I/O; an unreadable recording is quarantined inside score_and_store, never retried.
retrying = dict(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_retry_if_transient, cache_policy=NO_CACHE)


@task(name="discover-recordings", **retrying)
def discover_recordings(inbox: str, name_pattern: str | None) -> list[Recording]:
    return discover(inbox, name_pattern)


@task(name="score-call", task_run_name="score {recording.url}", **retrying)
def score_call_task(recording: Recording, settings: Settings, card: scorecards.Scorecard, run_id: int) -> Outcome:
    return score_and_store(recording, settings, card, run_id)


def task_runner(workers: int = DEFAULT_WORKERS, dask: str | None = None):
    """Threads in this process, or Dask: 'local' starts a cluster of `workers` processes, anything else is
    the address of a running scheduler (tcp://host:8786)."""
    if not dask:
        return ThreadPoolTaskRunner(max_workers=workers)
    from prefect_dask import DaskTaskRunner

    if dask == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    return DaskTaskRunner(address=dask)


def _setup(scorecard: str | None) -> tuple[Settings, scorecards.Scorecard]:
    settings = Settings.from_env(scorecard=scorecard)
    return settings, load_scorecard(settings.scorecard)


def _start(settings: Settings, card: scorecards.Scorecard, kind: str) -> int:
    parameters = dict(flow_run.parameters) | {"scorecard_version": card.version_tag}
    with open_store(settings).session() as session, session.begin():
        return start_run(session, kind, parameters, str(flow_run.id) if flow_run.id else None)


def _score_all(recordings: list[Recording], settings: Settings, card: scorecards.Scorecard, run_id: int) -> list[Outcome]:
    from tqdm import tqdm

    futures = {score_call_task.submit(r, settings, card, run_id): r for r in recordings}
    outcomes = []
    with tqdm(total=len(futures), desc="scoring", unit="call", disable=len(futures) < 2, file=sys.stderr) as bar:
        for future in as_completed(futures):
            try:
                outcomes.append(future.result())
            except Exception as error:  # not the file's fault (or transient beyond the retries): tried again next run
                recording = futures[future]
                outcomes.append(Outcome(recording.url, recording.call_id, "failed",
                                        reason=f"{type(error).__name__}: {error}"))
            bar.update()
    return outcomes


def _finish(settings: Settings, run_id: int, outcomes: list[Outcome], skipped: int, kind: str, title: str) -> dict:
    summary = summarize(outcomes, skipped) | {"run_id": run_id}
    with open_store(settings).session() as session, session.begin():
        finish_run(session, run_id, summary)
    create_markdown_artifact(render_summary(summary, title), key=f"{kind}-summary", description=title)
    return summary


@flow(name="nightly-scoring", task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_WORKERS))
def nightly_scoring(inbox: str, scorecard: str | None = None, name_pattern: str | None = None,
                    retry_quarantined: bool = False, kind: str = "nightly") -> dict:
    """Score every recording in `inbox` (folder or fsspec URL) not yet scored with the current model,
    classifier and scorecard; store results; quarantine files that cannot be scored."""
    settings, card = _setup(scorecard)
    recordings = discover_recordings(inbox, name_pattern)
    run_id = _start(settings, card, kind)
    todo, skipped = plan(settings, recordings, expected_versions(settings, card), not retry_quarantined)
    return _finish(settings, run_id, _score_all(todo, settings, card, run_id), skipped, "nightly",
                   f"Scoring of {inbox}")


@flow(name="reprocess", task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_WORKERS))
def reprocess(calls: list[str] | None = None, since: str | None = None, until: str | None = None,
              agent: str | None = None, failed_item: str | None = None, scored_with: str | None = None,
              older_than_version: str | None = None, scorecard: str | None = None) -> dict:
    """Score selected stored calls again with the current models and the given scorecard. Each new result
    is stored beside the old ones and becomes current; reviews are left exactly as the reviewers left them."""
    settings, card = _setup(scorecard)
    selection = Selection(calls, parse_day(since), parse_day(until, end=True), agent, failed_item, scored_with,
                          older_than_version)
    run_id = _start(settings, card, "reprocess")
    with open_store(settings).session() as session:
        chosen = [Recording(call.source_path, call.sha256) for call in select_calls(session, selection)]
    todo, skipped = plan(settings, chosen, expected_versions(settings, card), skip_quarantined=False)
    return _finish(settings, run_id, _score_all(todo, settings, card, run_id), skipped, "reprocess",
                   f"Reprocessing of {len(chosen)} calls")


def serve(inbox: str, cron: str, scorecard: str | None = None, workers: int = DEFAULT_WORKERS,
          dask: str | None = None) -> None:
    """Serve the deployments from this process: nightly on `cron`, reprocess when triggered (UI or API),
    retention daily at 03:30 (deletes transcripts and evidence older than the configured days), and the
    classifier retraining from confirmed reviews on Mondays at 04:00 (activates only if not worse), and
    the weekly QA report (targets, review samples, HTML + artifact) on Mondays at 06:00."""
    from prefect import serve as prefect_serve

    from callscore.flows.retention import retention
    from callscore.flows.retrain import retrain_classifier
    from callscore.flows.weekly_report import weekly_qa_report

    runner = task_runner(workers, dask)
    parameters = {k: v for k, v in {"inbox": inbox, "scorecard": scorecard}.items() if v}
    prefect_serve(
        nightly_scoring.with_options(task_runner=runner).to_deployment(name="nightly", cron=cron, parameters=parameters),
        reprocess.with_options(task_runner=runner).to_deployment(
            name="reprocess", parameters={"scorecard": scorecard} if scorecard else {}),
        retention.to_deployment(name="retention", cron="30 3 * * *"),
        retrain_classifier.to_deployment(name="weekly", cron="0 4 * * 1"),
        weekly_qa_report.to_deployment(name="weekly", cron="0 6 * * 1"))
