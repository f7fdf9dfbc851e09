"""Decoding every container and encoding to 16 kHz, and a clear error for each kind of bad input."""
import subprocess

import numpy as np
import pytest
import soundfile as sf

from callscore.pipeline.audio import SAMPLE_RATE, AudioError, decode
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
