"""Decode any call recording to 16 kHz float32, channels kept."""
from __future__ import annotations

import shutil
import struct
import subprocess  # nosec B404: ffmpeg is called with an argument list, never a shell
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callscore.core.files import file_sha256

SAMPLE_RATE = 16_000
# What a folder or inbox counts as a recording
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".wma", ".au", ".aiff"}
SILENCE_DBFS = -60.0
# Decoded audio this much shorter than the container declares is a cut-short file. MP3 durations from
# ffprobe include encoder padding (0.2 s seen at 8 kHz), so a small slack is allowed.
TRUNCATION_SLACK_S, TRUNCATION_SLACK_SHARE = 0.5, 0.01


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
    truncated: str | None = None  # why the file is known to be cut short (decoded only with allow_partial)

    @property
    def channels(self) -> int:
        return self.samples.shape[0]

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / SAMPLE_RATE

    def meta(self) -> dict:
        meta = {"path": self.path, "duration_s": round(self.duration_s, 3), "sample_rate": self.source_rate,
                "channels": self.channels}
        return meta | ({"truncated": self.truncated} if self.truncated else {})


def decode(path: Path | str, mono: bool = False, allow_partial: bool = False) -> Audio:
    """A recording cut short (decoded length below what its header declares, or an Ogg stream without its
    end page) is an AudioError unless allow_partial; then Audio.truncated says why."""
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "file not found")
    if not path.is_file():
        raise AudioError(path, "not a file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    samples, rate, truncated = _read(path)
    if truncated and not allow_partial:
        raise AudioError(path, f"truncated recording: {truncated} (to score what is there: --allow-partial or "
                               "CALLSCORE_ALLOW_PARTIAL=1)")
    if samples.shape[1] == 0:
        raise AudioError(path, "no audio samples (zero-length recording)")
    if samples.shape[0] > 2:
        samples = samples[:2]
    if mono and samples.shape[0] > 1:
        samples = samples.mean(axis=0, keepdims=True)
    if rate != SAMPLE_RATE:
        import soxr

        samples = np.stack([soxr.resample(ch, rate, SAMPLE_RATE, quality="HQ") for ch in samples])
    audio = Audio(str(path), np.ascontiguousarray(samples, dtype=np.float32), int(rate), file_sha256(path), truncated)
    peak_db = 20 * np.log10(np.abs(audio.samples).max() + 1e-12)
    if peak_db < SILENCE_DBFS:
        raise AudioError(path, f"silent recording (peak {peak_db:.0f} dBFS)", no_speech=True, audio=audio)
    return audio


def _read(path: Path) -> tuple[np.ndarray, int, str | None]:
    """(samples [channels, frames], rate, why the file is cut short or None). libsndfile first (WAV
    PCM/mu-law/A-law, FLAC, OGG, MP3); ffmpeg for what it cannot read."""
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            if f.format == "MP3" and not _mp3_declares_length(path):
                # libsndfile guesses such a file's length from its first frame and reads only that far (a VBR
                # call lost 9 of its 72 s); ffmpeg decodes to the end, and the guess says nothing of truncation
                return _read_ffmpeg(path, "an MP3 without a length header", length_known=False)
            declared = f.frames  # libsndfile caps a WAV's data size at the file's size; _wav_frames does not
            data = f.read(dtype="float32", always_2d=True).T
            rate = f.samplerate
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        return _read_ffmpeg(path, str(error))
    declared = _wav_frames(path) or declared
    return data, rate, _shortfall(declared / rate, data.shape[1] / rate) or _ogg_unfinished(path)


def _shortfall(declared_s: float | None, decoded_s: float, decoder_error: str = "") -> str | None:
    if not declared_s or declared_s - decoded_s <= max(TRUNCATION_SLACK_S, TRUNCATION_SLACK_SHARE * declared_s):
        return None
    return (f"header declares {declared_s:.1f} s, the file holds {decoded_s:.1f} s"
            + (f" ({decoder_error})" if decoder_error else ""))


def _wav_frames(path: Path) -> int | None:
    """Frames a RIFF/WAVE header declares (data chunk size / block align), None if not a WAV or the size is
    a streaming placeholder (0 or 0xFFFFFFFF)."""
    with open(path, "rb") as f:
        if f.read(12)[8:12] != b"WAVE":
            return None
        block_align = None
        while len(header := f.read(8)) == 8:
            chunk, size = header[:4], struct.unpack("<I", header[4:])[0]
            if chunk == b"fmt " and size >= 16:
                block_align = struct.unpack("<H", f.read(16)[12:14])[0]
                f.seek(size - 16 + size % 2, 1)
            elif chunk == b"data":
                return size // block_align if block_align and size not in (0, 0xFFFFFFFF) else None
            else:
                f.seek(size + size % 2, 1)
    return None


def _mp3_declares_length(path: Path) -> bool:
    """Whether the first MPEG frame (after any ID3v2 tag) is a Xing/Info/VBRI frame giving the frame count."""
    with open(path, "rb") as f:
        head = f.read(10)
        if head[:3] == b"ID3" and len(head) == 10:  # tag size: four 7-bit bytes, then the 10-byte header
            f.seek(10 + sum(b << (7 * (3 - i)) for i, b in enumerate(head[6:10])))
        else:
            f.seek(0)
        first = f.read(4096)
    return any(marker in first for marker in (b"Xing", b"Info", b"VBRI"))


OGG_MAX_PAGE = 27 + 255 + 255 * 255


def _ogg_unfinished(path: Path) -> str | None:
    """An Ogg file must end with a whole page flagged end-of-stream; Ogg headers declare no length, so a cut
    file otherwise decodes as a shorter, valid-looking call."""
    with open(path, "rb") as f:
        if f.read(4) != b"OggS":
            return None
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 2 * OGG_MAX_PAGE))
        tail = f.read()
    start = tail.rfind(b"OggS")
    while start >= 0:  # the last page that ends exactly at the end of the file
        if start + 27 <= len(tail):
            segments = tail[start + 27:start + 27 + tail[start + 26]]
            if start + 27 + len(segments) + sum(segments) == len(tail) and len(segments) == tail[start + 26]:
                return None if tail[start + 5] & 0x04 else "the Ogg stream has no end page (file cut short)"
        start = tail.rfind(b"OggS", 0, start)
    return "the file ends inside an Ogg page (cut short)"


def _read_ffmpeg(path: Path, sndfile_error: str, length_known: bool = True) -> tuple[np.ndarray, int, str | None]:
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if not ffmpeg or not ffprobe:
        raise AudioError(path, f"not readable audio ({sndfile_error}); ffmpeg is not installed to try further")
    probe = subprocess.run(  # nosec B603
        [ffprobe, "-v", "error", "-select_streams", "a:0", "-show_entries",
         "stream=channels,sample_rate:format=duration", "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    lines = probe.stdout.split()  # "8000,2" then the container's duration ("N/A" when unknown)
    fields = lines[0].split(",") if lines else []
    if probe.returncode != 0 or len(fields) != 2:
        raise AudioError(path, "not an audio file (no audio stream found)")
    rate, channels = int(fields[0]), int(fields[1])
    declared_s = _number(lines[1]) if len(lines) > 1 and length_known else None
    decoded = subprocess.run(  # nosec B603
        [ffmpeg, "-v", "error", "-nostdin", "-i", str(path), "-f", "f32le", "-acodec", "pcm_f32le", "-"],
        capture_output=True)
    errors = decoded.stderr.decode(errors="replace").strip().splitlines()
    if decoded.returncode != 0:
        raise AudioError(path, f"corrupt or truncated audio ({errors[-1] if errors else 'ffmpeg failed'})")
    data = np.frombuffer(decoded.stdout, dtype=np.float32)
    data = data[: len(data) // channels * channels].reshape(-1, channels).T
    # ffmpeg decodes what it can of a cut file and exits 0; the container's duration says what was meant
    return data, rate, _shortfall(declared_s, data.shape[1] / rate, errors[-1] if errors else "")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
