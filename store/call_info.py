"""What a recording's sidecar `<stem>.json` may say about its call, checked when the call is discovered.

A sidecar is written by another system and may carry anything (a customer's card number, an address), while
`calls.meta` is printed by `calls show` and exported. So only the fields below are kept; other keys are
dropped and named (never their values) in a warning. A value of the wrong type is an error naming the file
and the field, found before the call is scored rather than as an SQL error after it.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt, ValidationError, field_validator

Text = Annotated[str, Field(min_length=1, max_length=80)]  # the store's String(80) columns

CALL_COLUMNS = ("agent_id", "team", "call_time", "queue", "campaign")  # columns of `calls`
# Kept in calls.meta: the telephony figures analytics reads (analytics.telephony.SIDECAR_KEYS) and the site.
# `language` is the call's (issue 16): it decides the speech model and redaction before scoring.
META_FIELDS = ("site", "wait_s", "transfers", "resolved", "language")
LanguageCode = Annotated[str, Field(pattern=r"^(auto|[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?)$")]  # ms, zh-CN, ms_MY, auto


class SidecarError(ValueError):
    """One line: the sidecar's name, each bad field and what is wrong with it."""


class CallInfo(BaseModel):
    # numeric ids ({"agent_id": 1234}) are ids; lists, objects and booleans are mistakes
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    agent_id: Text | None = None
    team: Text | None = None
    call_time: datetime | None = None
    queue: Text | None = None
    campaign: Text | None = None
    site: Text | None = None
    wait_s: NonNegativeFloat | None = None  # seconds in the queue before the call was answered
    transfers: NonNegativeInt | None = None
    resolved: bool | None = None  # first-contact resolution; yes/no/true/false are read too
    language: LanguageCode | None = None

    @field_validator("call_time", mode="before")
    @classmethod
    def _iso_text(cls, value):
        # pydantic would read 12345 as seconds since 1970; a recorder writing a number means something else
        if value is None:
            return None
        moment = parse_time(value) if isinstance(value, str) else None
        if moment is None:
            raise ValueError(f"expected an ISO 8601 date-time such as 2026-11-01T09:30:00, got {value!r}")
        return moment


def parse_time(text: str) -> datetime | None:
    """ISO 8601 in full or basic form (20261101T093000); zoned times are stored as naive UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def from_sidecar(data: object, name: str) -> tuple[dict, list[str]]:
    """Sidecar JSON -> (call info for store_result: the columns plus `meta` with the known meta fields,
    the keys dropped as unknown). Raises SidecarError."""
    if not isinstance(data, dict):
        raise SidecarError(f"sidecar {name}: expected a JSON object, got {type(data).__name__}")
    try:
        info = CallInfo.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                             for e in error.errors())
        raise SidecarError(f"sidecar {name}: {problems}") from None
    values = info.model_dump(exclude_none=True)
    call = {k: v for k, v in values.items() if k in CALL_COLUMNS}
    meta = {k: v for k, v in values.items() if k in META_FIELDS}
    return call | {"meta": meta}, sorted(k for k in data if k not in CallInfo.model_fields)


def known_meta(meta: dict | None) -> dict:
    """Only the meta fields callscore knows, whoever the caller is."""
    return {k: v for k, v in (meta or {}).items() if k in META_FIELDS}
