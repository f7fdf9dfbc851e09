"""The recording route (routes/audio.py, recordings.py): only the store's recording of a call the user may see,
only while its content hashes to what was scored, with byte ranges, redacted stretches covered."""
import hashlib
import os
from pathlib import Path

import pytest

from callscore.review import auth
from callscore.store.models import Call
from review_helpers import login

AUDIO = Path(__file__).parent / "fixtures" / "stereo_call.ogg"


TRAVERSALS = [
    "/audio/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/audio/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/audio/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/audio/..%252F..%252Fetc%252Fpasswd",
    "/audio/%2Fetc%2Fpasswd",
    "/audio/..%5C..%5Cetc%5Cpasswd",
    "/audio/call-001%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/audio/call-001/../../../../etc/passwd",
    "/audio/no-such-call",
    "/audio/call-004",  # known call, but its recording is remote: not served
    "/audio/",
    "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/../../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_crafted_paths_cannot_read_files_outside_the_store(env, path):
    client = login(env["app"], "ana")
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (400, 404, 405), (path, response.status_code)
    assert b"root:" not in response.content
    assert not response.content.startswith(b"OggS")


def test_raw_dot_segments_are_not_followed(env):
    """httpx normalises '..' in URLs; send the raw target through the ASGI app to be sure."""
    client = login(env["app"], "ana")
    for raw in ("/audio/../../../../etc/passwd", "/audio/..%2F..%2Fetc%2Fpasswd", "/audio/%2e%2e/%2e%2e/etc/passwd"):
        request = client.build_request("GET", "http://testserver/")
        request.url = request.url.copy_with(raw_path=raw.encode())
        response = client.send(request, follow_redirects=False)
        assert response.status_code in (400, 404), raw
        assert b"root:" not in response.content


def test_the_known_recording_is_served_with_ranges(env):
    client = login(env["app"], "ana")
    whole = client.get("/audio/call-001")
    assert whole.status_code == 200 and whole.content == AUDIO.read_bytes()
    assert whole.headers["content-type"] == "audio/ogg"
    part = client.get("/audio/call-001", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == AUDIO.read_bytes()[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{AUDIO.stat().st_size}"
    tail = client.get("/audio/call-001", headers={"Range": "bytes=-10"})
    assert tail.content == AUDIO.read_bytes()[-10:]
    assert client.get("/audio/call-001", headers={"Range": "bytes=999999999-"}).status_code == 416


def test_a_recording_deleted_under_retention_is_not_served(env):
    with env["store"].session() as session, session.begin():
        session.get(Call, "call-001").purged_at = session.get(Call, "call-001").created_at
    assert login(env["app"], "ana").get("/audio/call-001").status_code == 404


def recording_in_inbox(env, tmp_path, call_id="call-001") -> Path:
    """The call's recording as a copy in an inbox the test may tamper with."""
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    copy = inbox / f"{call_id}.ogg"
    copy.write_bytes(AUDIO.read_bytes())
    with env["store"].session() as session, session.begin():
        session.get(Call, call_id).source_path = str(copy)
    return copy


def test_a_recording_replaced_by_a_symlink_to_the_key_is_not_served(env, tmp_path):
    client = login(env["app"], "aggie")  # any agent
    recording = recording_in_inbox(env, tmp_path)
    assert client.get("/audio/call-001").content == AUDIO.read_bytes()
    key = auth.secret_path(env["home"])
    recording.unlink()
    recording.symlink_to(key)
    response = client.get("/audio/call-001")
    assert response.status_code == 409 and "not the one that was scored" in response.text
    assert key.read_text().encode() not in response.content
    # a copy of the key (or any other file) in its place: the content hash differs
    recording.unlink()
    recording.write_bytes(key.read_bytes())
    assert client.get("/audio/call-001").status_code == 409
    # a FIFO would block a plain open(); a missing file is a 404
    recording.unlink()
    os.mkfifo(recording)
    assert client.get("/audio/call-001").status_code == 409
    recording.unlink()
    assert client.get("/audio/call-001").status_code == 404


def test_a_recording_changed_in_place_is_not_served(env, tmp_path):
    client = login(env["app"], "ana")
    recording = recording_in_inbox(env, tmp_path)
    assert client.get("/audio/call-001").status_code == 200  # hashed once, remembered by inode and times
    with open(recording, "r+b") as f:
        f.seek(100)
        f.write(b"tampered")
    assert client.get("/audio/call-001").status_code == 409


def test_a_call_with_redactions_is_redacted_only_from_the_checked_recording(env, tmp_path):
    from callscore.audio import redacted_copy
    from callscore.store.models import Redaction

    with env["store"].session() as session, session.begin():
        session.add(Redaction(call_id="call-001", start_s=19.5, end_s=24.8, kind="date_of_birth"))
    client = login(env["app"], "ana")
    recording = recording_in_inbox(env, tmp_path)
    recording.unlink()
    recording.symlink_to(auth.secret_path(env["home"]))
    assert client.get("/audio/call-001").status_code == 409
    assert redacted_copy.derived_files(env["home"], "call-001") == []  # nothing was made from the key
    recording.unlink()
    recording.write_bytes(AUDIO.read_bytes())
    served = client.get("/audio/call-001")
    assert served.status_code == 200 and served.content[:4] == b"RIFF"  # the derived copy, not the source
    derived = redacted_copy.derived_files(env["home"], "call-001")
    assert len(derived) == 1 and derived[0].name.startswith(hashlib.sha256(AUDIO.read_bytes()).hexdigest()[:16])
