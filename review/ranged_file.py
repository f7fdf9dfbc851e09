"""Streaming an opened file as an HTTP response with byte ranges (the audio player seeks with them)."""
from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

CHUNK = 256 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def ranged_file(request: Request, name: str, handle: BinaryIO) -> Response:
    """Stream an opened file (the response owns and closes it); `name` gives the media type."""
    size = os.fstat(handle.fileno()).st_size
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if Path(name).suffix.lower() in (".ogg", ".oga", ".opus"):
        media = "audio/ogg"
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    start, end, status = 0, size - 1, 200
    header = request.headers.get("range")
    if header:
        match = RANGE.match(header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            handle.close()
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(match.group(2))), size - 1
        if start >= size or start > end:
            handle.close()
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)

    def chunks():
        with handle:  # also closed when the response never starts (the generator is then collected)
            handle.seek(start)
            left = end - start + 1
            while left > 0:
                data = handle.read(min(CHUNK, left))
                if not data:
                    break
                left -= len(data)
                yield data

    return StreamingResponse(chunks(), status_code=status, media_type=media, headers=headers)
