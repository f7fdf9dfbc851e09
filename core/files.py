"""Files: content hashes, and writes that readers never see half done."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

BLOCK = 1 << 20


def stream_sha256(stream: BinaryIO) -> str:
    """Hex sha256 of what is left to read in an open binary stream, read a block at a time."""
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(BLOCK), b""):
        digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path | str) -> str:
    with open(path, "rb") as stream:
        return stream_sha256(stream)


def write_atomically(target: Path, write: Callable[[Path], None], suffix: str = ".part") -> None:
    """`write(temporary)` fills a file beside `target`, which then replaces it in one rename: a killed run
    leaves the old file or the new one, never half of one. A failed write leaves no temporary behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
