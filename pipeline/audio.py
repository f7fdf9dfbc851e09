"""Decode any call recording to 16 kHz float32, channels kept."""
from __future__ import annotations

import hashlib
import shutil
import subprocess  # nosec B404: ffmpeg is called with an argument list, never a shell
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
SILENCE_DBFS = -60.0


class AudioError(ValueError):
    """A recording that cannot be scored; str() is one line naming the file and the cause."""

    def __init__(self, path: Path | str, cause: str, no_speech: bool = False, audio: "Audio | None" = None):
        self.path, self.cause = str(path), cause
        self.no_speech = no_speech  # readable audio with nothing to transcribe (silence, music)
        self.audio = audio
        super().__init__(f"{path}: {cause}")


@dataclass
class Audio:
    path: str
    samples: np.ndarray  # float32 [channels, frames] at SAMPLE_RATE
    source_rate: int
    sha256: str

    @property
    def channels(self) -> int:
        return self.samples.shape[0]

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / SAMPLE_RATE

    def mono(self) -> np.ndarray:
        return self.samples.mean(axis=0).astype(np.float32)

    def meta(self) -> dict:
        return {"path": self.path, "duration_s": round(self.duration_s, 3), "sample_rate": self.source_rate,
                "channels": self.channels}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(path: Path | str, mono: bool = False) -> Audio:
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "file not found")
    if not path.is_file():
        raise AudioError(path, "not a file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    samples, rate = _read(path)
    if samples.shape[1] == 0:
        raise AudioError(path, "no audio samples (zero-length recording)")
    if samples.shape[0] > 2:
        samples = samples[:2]
    if mono and samples.shape[0] > 1:
        samples = samples.mean(axis=0, keepdims=True)
    if rate != SAMPLE_RATE:
        import soxr

        samples = np.stack([soxr.resample(ch, rate, SAMPLE_RATE, quality="HQ") for ch in samples])
    audio = Audio(str(path), np.ascontiguousarray(samples, dtype=np.float32), int(rate), file_sha256(path))
    peak_db = 20 * np.log10(np.abs(audio.samples).max() + 1e-12)
    if peak_db < SILENCE_DBFS:
        raise AudioError(path, f"silent recording (peak {peak_db:.0f} dBFS)", no_speech=True, audio=audio)
    return audio


def _read(path: Path) -> tuple[np.ndarray, int]:
    """libsndfile first (WAV PCM/mu-law/A-law, FLAC, OGG, MP3); ffmpeg for what it cannot read."""
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return data.T, rate
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        sndfile_error = str(error)
    return _read_ffmpeg(path, sndfile_error)


def _read_ffmpeg(path: Path, sndfile_error: str) -> tuple[np.ndarray, int]:
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if not ffmpeg or not ffprobe:
        raise AudioError(path, f"not readable audio ({sndfile_error}); ffmpeg is not installed to try further")
    probe = subprocess.run(  # nosec B603
        [ffprobe, "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels,sample_rate",
         "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    fields = probe.stdout.strip().split(",")
    if probe.returncode != 0 or len(fields) != 2:
        raise AudioError(path, "not an audio file (no audio stream found)")
    rate, channels = int(fields[0]), int(fields[1])
    decoded = subprocess.run(  # nosec B603
        [ffmpeg, "-v", "error", "-nostdin", "-i", str(path), "-f", "f32le", "-acodec", "pcm_f32le", "-"],
        capture_output=True)
    if decoded.returncode != 0:
        cause = decoded.stderr.decode(errors="replace").strip().splitlines()
        raise AudioError(path, f"corrupt or truncated audio ({cause[-1] if cause else 'ffmpeg failed'})")
    data = np.frombuffer(decoded.stdout, dtype=np.float32)
    return data[: len(data) // channels * channels].reshape(-1, channels).T, rate
