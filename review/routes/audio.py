"""A call's recording for the page's player: only the file the store recorded, only if its content still hashes
to what was scored, and with redacted stretches covered (a derived copy, never the source)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from callscore.audio.decode import AudioError
from callscore.review import recordings
from callscore.review.deps import CurrentUser, SettingsDep, StoreDep
from callscore.review.ranged_file import ranged_file
from callscore.review.services.calls import audio_path
from callscore.store import repository

log = logging.getLogger("callscore.review")
router = APIRouter()


@router.get("/audio/{call_id}")
def audio(request: Request, call_id: str, user: CurrentUser, store: StoreDep, settings: SettingsDep) -> Response:
    with store.session() as session:
        found = audio_path(session, call_id, user)
        redactions = repository.stored_redactions(session, call_id) if found is not None else []
    if found is None:
        return PlainTextResponse("no recording for this call", status_code=404)
    path, sha256 = found
    try:
        handle = recordings.open_checked(path, sha256)
    except recordings.Refused as exc:
        if exc.status == 409:
            log.warning("not serving %s for call %s: %s", path, call_id, exc)
        return PlainTextResponse(str(exc), status_code=exc.status)
    if not redactions:
        return ranged_file(request, path.name, handle)
    try:  # serve the derived copy with the redacted stretches covered, never the source
        with handle:
            redacted = recordings.open_redacted(handle, sha256, redactions, settings.home, call_id,
                                                settings.audio_redaction)
    except recordings.Refused as exc:
        return PlainTextResponse(str(exc), status_code=exc.status)
    except (AudioError, OSError, RuntimeError):
        log.exception("could not redact the audio of %s", call_id)
        return PlainTextResponse("the recording could not be redacted", status_code=500)
    return ranged_file(request, ".wav", redacted)
