"""Decoding every container and encoding to 16 kHz, and a clear error for each kind of bad input."""
import subprocess

import numpy as np
import pytest
import soundfile as sf

from callscore.audio.decode import SAMPLE_RATE, AudioError, decode
from conftest import FIXTURES

SOURCE = FIXTURES / "stereo_call.ogg"


@pytest.fixture(scope="module")
def source():
    data, rate = sf.read(SOURCE, dtype="float32", always_2d=True)
    return data[: rate * 4], rate  # 4 s are enough to check a decoder


@pytest.mark.parametrize("suffix,fmt,subtype", [
    (".wav", "WAV", "PCM_16"), (".wav", "WAV", "ULAW"), (".wav", "WAV", "ALAW"),
    (".flac", "FLAC", "PCM_16"), (".ogg", "OGG", "VORBIS")])
def test_decodes_containers_to_16k_keeping_channels(tmp_path, source, suffix, fmt, subtype):
    data, rate = source
    path = tmp_path / f"clip{suffix}"
    sf.write(path, data, rate, format=fmt, subtype=subtype)
    audio = decode(path)
    assert audio.channels == 2
    assert audio.source_rate == rate
    assert abs(audio.duration_s - 4.0) < 0.01
    assert audio.samples.dtype == np.float32 and audio.samples.shape[1] == pytest.approx(4 * SAMPLE_RATE, abs=2)
    assert np.abs(audio.samples[0]).max() > 0.05  # the agent channel carries speech


def test_decodes_mp3_and_downmixes_on_request(tmp_path, source):
    data, rate = source
    wav = tmp_path / "clip.wav"
    sf.write(wav, data, rate)
    mp3 = tmp_path / "clip.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), str(mp3)], check=True)
    assert decode(mp3).channels == 2
    assert decode(mp3, mono=True).channels == 1


def _expect_error(path, words):
    with pytest.raises(AudioError) as caught:
        decode(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    assert any(w in message for w in words), message
    return caught.value


def test_bad_inputs_each_give_a_one_line_error(tmp_path, source):
    _expect_error(tmp_path / "missing.wav", ["not found"])
    (tmp_path / "empty.wav").write_bytes(b"")
    _expect_error(tmp_path / "empty.wav", ["empty"])
    (tmp_path / "notes.wav").write_text("these are meeting notes, not audio\n" * 20)
    _expect_error(tmp_path / "notes.wav", ["not an audio file", "not readable", "corrupt"])
    sf.write(tmp_path / "zero.wav", np.zeros((0, 2), dtype=np.float32), 8000)
    _expect_error(tmp_path / "zero.wav", ["zero-length", "no audio"])
    data, rate = source
    sf.write(tmp_path / "whole.flac", data, rate)
    blob = (tmp_path / "whole.flac").read_bytes()
    (tmp_path / "truncated.flac").write_bytes(blob[: len(blob) // 3])
    truncated = tmp_path / "truncated.flac"
    try:
        audio = decode(truncated)
        # libsndfile may recover the frames before the cut: then they must be the real ones, shorter.
        assert audio.duration_s < 3.0
    except AudioError as error:
        assert str(truncated) in str(error)
    sf.write(tmp_path / "silence.wav", np.zeros(8000 * 3, dtype=np.float32), 8000)
    error = _expect_error(tmp_path / "silence.wav", ["silent"])
    assert error.no_speech


# ---- recordings cut short ------------------------------------------------------------------------------

def _cut(blob: bytes, path, keep: float):
    path.write_bytes(blob[: int(len(blob) * keep)])
    return path


@pytest.fixture
def cut_recordings(tmp_path, source):
    """A recording of each kind cut short the way a failed upload or a full disk leaves it, with the length of
    the whole one."""
    data, rate = source
    wav = tmp_path / "whole.wav"
    sf.write(wav, data, rate)
    wav_blob = wav.read_bytes()
    flac = tmp_path / "whole.flac"
    sf.write(flac, data, rate)
    mp3 = tmp_path / "whole.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), str(mp3)], check=True)
    return {
        "ogg": (_cut((FIXTURES / "mono_call.ogg").read_bytes(), tmp_path / "cut.ogg", 0.3), 37.3),
        # the header still says 4 s; 1,000 bytes of samples follow it
        "wav": (_cut(wav_blob, tmp_path / "cut.wav", (44 + 1000) / len(wav_blob)), 4.0),
        "flac": (_cut(flac.read_bytes(), tmp_path / "cut.flac", 0.4), 4.0),  # libsndfile refuses it: the ffmpeg path
        "mp3": (_cut(mp3.read_bytes(), tmp_path / "cut.mp3", 0.5), 4.0),
    }


@pytest.mark.parametrize("kind", ["ogg", "wav", "flac", "mp3"])
def test_a_recording_cut_short_is_an_error_unless_partial_audio_is_allowed(cut_recordings, kind):
    path, whole_s = cut_recordings[kind]
    _expect_error(path, ["truncated recording"])
    try:
        audio = decode(path, allow_partial=True)
    except AudioError as error:  # the WAV's 1,000 bytes are the call's quiet first moment: no_speech, audio kept
        assert error.no_speech
        audio = error.audio
    assert audio.truncated and audio.meta()["truncated"] == audio.truncated
    assert audio.duration_s < 0.6 * whole_s


def test_whole_recordings_are_not_called_truncated(tmp_path, source):
    data, rate = source
    for name in ("whole.wav", "whole.flac", "whole.ogg"):
        sf.write(tmp_path / name, data, rate)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "whole.wav"), str(tmp_path / "whole.mp3")], check=True)
    for path in [*tmp_path.iterdir(), *FIXTURES.glob("*.ogg")]:
        assert decode(path).truncated is None, path


def _cli(*args):
    from callscore.cli import main

    return main([str(a) for a in args])


@pytest.fixture
def silent_call(tmp_path):
    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros(8000 * 2, dtype=np.float32), 8000)
    return path


def test_cli_score_of_a_silent_call_says_why_there_is_no_score(tmp_path, silent_call, capsys):
    assert _cli("score", silent_call, "--out", tmp_path / "out") == 0
    headline = capsys.readouterr().out.splitlines()[0]
    assert headline.startswith("quiet: no score (no applicable items: no speech)") and "None" not in headline


def test_cli_score_refuses_truncated_audio_and_flags_it_when_allowed(tmp_path, silent_call, capsys):
    import json

    import jsonschema

    blob = silent_call.read_bytes()
    cut = _cut(blob, tmp_path / "cut.wav", (44 + 1000) / len(blob))  # header says 2 s, 1,000 bytes follow
    assert _cli("score", cut, "--out", tmp_path / "out") == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cut.wav" in errors[0] and "truncated recording" in errors[0]
    assert not (tmp_path / "out" / "cut.json").exists()

    assert _cli("score", cut, "--out", tmp_path / "out", "--allow-partial") == 0
    assert "flags: no_speech, truncated" in capsys.readouterr().out
    result = json.loads((tmp_path / "out" / "cut.json").read_text())
    assert result["flags"] == ["no_speech", "truncated"] and "header declares 2.0 s" in result["audio"]["truncated"]
    schema = json.loads((FIXTURES.parent.parent / "pipeline" / "result.schema.json").read_text())
    jsonschema.validate(result, schema)


def test_cli_out_pointing_at_a_file_is_refused_before_any_scoring(tmp_path, silent_call, capsys, monkeypatch):
    taken = tmp_path / "results.json"
    taken.write_text("{}")
    monkeypatch.setattr("callscore.pipeline.score.score_call", lambda *a: pytest.fail("scored before checking --out"))
    for out in (taken, taken / "sub"):
        with pytest.raises(SystemExit) as exit_:
            _cli("score", silent_call, "--out", out)
        assert exit_.value.code == 2
        message = capsys.readouterr().err.strip().splitlines()[-1]
        assert "--out" in message and "is a file, not a folder" in message and "quiet.wav" not in message


def test_a_vbr_mp3_without_a_length_header_is_decoded_to_its_end(tmp_path):
    """libsndfile guesses such a file's length from its first frame and used to stop there (at 61 s of 72)."""
    data, rate = sf.read(SOURCE, dtype="float32")
    sf.write(tmp_path / "clip.wav", data, rate)
    mp3 = tmp_path / "clip.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "clip.wav"), "-codec:a", "libmp3lame", "-q:a", "6",
                    "-write_xing", "0", str(mp3)], check=True)
    audio = decode(mp3)
    # ffmpeg keeps the encoder's padding (no header to say how much): a little longer, never shorter
    assert len(data) / rate <= audio.duration_s < len(data) / rate + 0.3 and audio.truncated is None
