"""Contact-centre KPIs from the telephony system (ACD): average speed of answer, queue wait, abandon rate,
transfers, first-contact resolution. Records come from the system's CSV export (`callscore analytics
import-telephony`) or from a recording's sidecar; the figures are computed in the database like the QA ones.

CSV columns (a header row; names are matched case-insensitively, the aliases in COLUMN_ALIASES work too):
  id, started_at (ISO date-time), answered (yes/no) or abandoned (yes/no), wait_s,
  and optionally call_id (the recording's file stem), agent, team, queue, campaign, transfers, resolved (yes/no).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from callscore.analytics.query import Columns, Filters, as_float, grouped
from callscore.store.analytics_models import TelephonyCall
from callscore.store.repository import dialect_insert

ON = Columns(TelephonyCall.started_at, TelephonyCall.agent_id, TelephonyCall.team, TelephonyCall.queue,
             TelephonyCall.campaign)
COLUMN_ALIASES = {"id": ("call_ref", "acd_id", "telephony_id"), "call_id": ("recording",),
                  "started_at": ("start", "start_time", "queued_at", "call_time"), "agent_id": ("agent",),
                  "wait_s": ("queue_wait_s", "wait", "queue_time_s"), "transfers": ("transfer_count",),
                  "resolved": ("fcr", "first_contact_resolution")}
TRUE, FALSE = ("1", "yes", "y", "true", "t"), ("0", "no", "n", "false", "f", "")
# The sidecar keys that make a recording's own telephony record (recorded calls were answered).
SIDECAR_KEYS = ("wait_s", "transfers", "resolved")
UPSERT_CHUNK = 1000
EMPTY = {"offered": 0, "answered": 0, "abandoned": 0, "abandon_rate": None, "asa_s": None, "queue_wait_s": None,
         "transfer_rate": None, "fcr_rate": None, "fcr_known": 0}


class TelephonyError(ValueError):
    pass


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[str] = field(default_factory=list)  # "FILE line N: cause"


def _flag(value: str | None, name: str) -> bool | None:
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return None if not text else False
    raise TelephonyError(f"{name} is {value!r}, expected yes or no")


def _number(value: str | None, name: str, kind=float):
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = kind(text)
    except ValueError:
        raise TelephonyError(f"{name} is {value!r}, expected a number") from None
    if number < 0:
        raise TelephonyError(f"{name} is negative ({value})")
    return number


def parse_row(row: dict) -> dict:
    """One CSV row (keys already normalised) -> TelephonyCall values; TelephonyError names the bad field."""
    ident = (row.get("id") or "").strip()
    if not ident:
        raise TelephonyError("id is empty")
    try:
        started = datetime.fromisoformat((row.get("started_at") or "").strip())
    except ValueError:
        raise TelephonyError(f"started_at is {row.get('started_at')!r}, expected an ISO date-time") from None
    if "answered" in row:
        answered = _flag(row["answered"], "answered")
    elif "abandoned" in row:
        abandoned = _flag(row["abandoned"], "abandoned")
        answered = None if abandoned is None else not abandoned
    else:
        raise TelephonyError("needs an answered or abandoned column")
    if answered is None:
        raise TelephonyError("answered/abandoned is empty")
    text = {k: (row.get(k) or "").strip()[:80] or None for k in ("agent_id", "team", "queue", "campaign")}
    return {"id": ident[:255], "call_id": (row.get("call_id") or "").strip()[:255] or None, "started_at": started,
            "answered": answered, "wait_s": _number(row.get("wait_s"), "wait_s"),
            "transfers": _number(row.get("transfers"), "transfers", int) or 0,
            "resolved": _flag(row.get("resolved"), "resolved"), **text}


def _normalised(header: list[str]) -> list[str]:
    lookup = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
    return [lookup.get(h.strip().lower(), h.strip().lower()) for h in header]


def import_csv(session: Session, path: Path) -> ImportReport:
    """Upsert every good row (a re-import updates, never duplicates); a bad row is reported and skipped."""
    report = ImportReport()
    records: dict[str, dict] = {}  # by id: a later row of the same call replaces an earlier one
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = _normalised(next(reader, []))
        if "id" not in header or "started_at" not in header:
            raise TelephonyError(f"{path}: the header needs id and started_at columns (got {', '.join(header)})")
        for line, values in enumerate(reader, start=2):
            try:
                record = parse_row(dict(zip(header, values)))
            except TelephonyError as exc:
                report.errors.append(f"{path} line {line}: {exc}")
            else:
                records[record["id"]] = record
                report.imported += 1
    upsert(session, list(records.values()))
    return report


def upsert(session: Session, records: list[dict]) -> None:
    """Insert the records, or update those already imported (one statement per chunk, not a lookup per row)."""
    if not records:
        return
    insert = dialect_insert(session)(TelephonyCall)
    statement = insert.on_conflict_do_update(index_elements=["id"],
                                             set_={name: insert.excluded[name] for name in records[0] if name != "id"})
    for first in range(0, len(records), UPSERT_CHUNK):
        session.execute(statement, records[first:first + UPSERT_CHUNK])


def from_sidecar(session: Session, call) -> None:
    """A recording whose sidecar carries queue wait / transfers / resolution is its own (answered) record,
    unless an imported record already names the recording."""
    meta = call.meta or {}
    if not any(k in meta for k in SIDECAR_KEYS):
        return
    if session.scalar(select(TelephonyCall.id).where(TelephonyCall.call_id == call.id, TelephonyCall.id != call.id)):
        return
    try:
        record = parse_row({"id": call.id, "call_id": call.id, "answered": "yes", "started_at": call.filed_at.isoformat(),
                            "agent_id": call.agent_id, "team": call.team, "queue": call.queue, "campaign": call.campaign,
                            **{k: str(meta[k]) if meta.get(k) is not None else "" for k in SIDECAR_KEYS}})
    except TelephonyError:
        return  # a malformed sidecar KPI never blocks scoring; the recording simply has no telephony record
    upsert(session, [record])


def kpis(session: Session, filters: Filters = Filters(), by: str | None = None) -> list[dict]:
    """Per group: offered, answered, abandoned and the abandon rate; average speed of answer (queue wait of the
    answered calls) and queue wait over all; share of answered calls transferred; first-contact resolution."""
    answered = cast(TelephonyCall.answered, Integer)
    rows = grouped(session, by, [
        func.count().label("offered"), func.sum(answered).label("answered"),
        func.avg(case((TelephonyCall.answered, TelephonyCall.wait_s))).label("asa_s"),
        func.avg(TelephonyCall.wait_s).label("queue_wait_s"),
        func.sum(case((TelephonyCall.answered & (TelephonyCall.transfers > 0), 1), else_=0)).label("transferred"),
        func.count(TelephonyCall.resolved).label("fcr_known"),
        func.sum(cast(TelephonyCall.resolved, Integer)).label("fcr_yes")],
        select(TelephonyCall.id).where(*filters.conditions(ON)), on=ON)
    out = []
    for row in rows:
        offered, answered_n = int(row["offered"]), int(row["answered"] or 0)
        known = int(row["fcr_known"] or 0)
        out.append({"key": row["key"], "offered": offered, "answered": answered_n, "abandoned": offered - answered_n,
                    "abandon_rate": (offered - answered_n) / offered if offered else None,
                    "asa_s": as_float(row["asa_s"]), "queue_wait_s": as_float(row["queue_wait_s"]),
                    "transfer_rate": int(row["transferred"] or 0) / answered_n if answered_n else None,
                    "fcr_rate": int(row["fcr_yes"] or 0) / known if known else None, "fcr_known": known})
    return out


def overall(session: Session, filters: Filters = Filters()) -> dict:
    rows = kpis(session, filters)
    return rows[0] if rows and rows[0]["offered"] else dict(EMPTY, key="all")
