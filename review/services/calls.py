"""Which calls a user may see (agents only their own), and where a visible call's recording is."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from callscore.pipeline.transcript_input import is_transcript_file
from callscore.store.models import Call, User


def visible_calls(query, user: User):
    """Agents see only their own calls."""
    if user.role == "agent":
        return query.where(Call.agent_id == (user.agent_id or "\0no-agent"))
    return query


def get_call(session: Session, call_id: str, user: User) -> Call | None:
    call = session.get(Call, call_id)
    if call is None or (user.role == "agent" and (not user.agent_id or call.agent_id != user.agent_id)):
        return None
    return call


def audio_path(session: Session, call_id: str, user: User) -> tuple[Path, str] | None:
    """(path, sha256) of the recording the store holds for this call (never a path from the request), if local.
    The path is only where to look: recordings.open_checked serves it only if its content is that hash."""
    call = get_call(session, call_id, user)
    if call is None or call.purged_at is not None or not call.source_path:
        return None
    source = call.source_path
    if source.startswith("file://"):
        source = source[len("file://"):]
    elif "://" in source:
        return None  # remote (fsspec) recordings are not streamed by the review app
    if is_transcript_file(source):
        return None  # scored from a transcript: no recording, and the unredacted file must never be served
    return Path(source), call.sha256
