"""Per-channel voice activity from the audio itself (Silero VAD gated by frame energy).

Turn boundaries and dead air come from here, not from ASR segments: Whisper's segment times run
across pauses and holds. In stereo, a party's voice leaking faintly into the other channel
(crosstalk, echo) is removed by comparing the two channels' energy frame by frame, so the same
words are never attributed to both parties.
"""
from __future__ import annotations

import numpy as np

from callscore.pipeline.audio import SAMPLE_RATE
from callscore.pipeline.record import Interval

HOP_S = 0.01
MIN_SPEECH_S = 0.12
MERGE_GAP_S = 0.3


def frame_energy_db(samples: np.ndarray) -> np.ndarray:
    """RMS energy in dB of 25 ms frames every 10 ms, per channel: [channels, frames]."""
    hop, win = int(HOP_S * SAMPLE_RATE), int(0.025 * SAMPLE_RATE)
    n_frames = max(1, samples.shape[1] // hop)
    padded = np.pad(samples, ((0, 0), (0, n_frames * hop + win - samples.shape[1])))
    power = np.square(padded, dtype=np.float64)
    csum = np.concatenate([np.zeros((samples.shape[0], 1)), np.cumsum(power, axis=1)], axis=1)
    starts = np.arange(n_frames) * hop
    mean_power = (csum[:, starts + win] - csum[:, starts]) / win
    return 10 * np.log10(mean_power + 1e-10)


def vad_mask(channel: np.ndarray, n_frames: int) -> np.ndarray:
    """Silero VAD (shipped inside faster-whisper) as a boolean frame mask."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(threshold=0.5, min_speech_duration_ms=100, min_silence_duration_ms=200,
                         speech_pad_ms=40)
    mask = np.zeros(n_frames, dtype=bool)
    for chunk in get_speech_timestamps(channel, options):
        mask[int(chunk["start"] / SAMPLE_RATE / HOP_S): int(np.ceil(chunk["end"] / SAMPLE_RATE / HOP_S))] = True
    return mask


def channel_activity(samples: np.ndarray, crosstalk_db: float) -> list[np.ndarray]:
    """Boolean frame masks, one per channel, with cross-channel leakage removed."""
    energy = frame_energy_db(samples)
    n_frames = energy.shape[1]
    masks = [vad_mask(channel, n_frames) for channel in samples]
    if len(masks) == 2:
        leak = [energy[0] < energy[1] - crosstalk_db, energy[1] < energy[0] - crosstalk_db]
        masks = [masks[c] & ~_dilate(leak[c], 3) for c in range(2)]
    return [clean_mask(m) for m in masks]


def _dilate(mask: np.ndarray, frames: int) -> np.ndarray:
    if not mask.any():
        return mask
    kernel = np.ones(2 * frames + 1)
    return np.convolve(mask.astype(float), kernel, mode="same") > 0


def clean_mask(mask: np.ndarray) -> np.ndarray:
    """Bridge short pauses inside an utterance, then drop blips too short to be speech."""
    out = mask.copy()
    for start, end in runs(~out):
        if start > 0 and end < len(out) and (end - start) * HOP_S < MERGE_GAP_S:
            out[start:end] = True
    for start, end in runs(out):
        if (end - start) * HOP_S < MIN_SPEECH_S:
            out[start:end] = False
    return out


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame index pairs of the True runs of a boolean mask."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def mask_intervals(mask: np.ndarray) -> list[Interval]:
    return [Interval(round(s * HOP_S, 3), round(e * HOP_S, 3)) for s, e in runs(mask)]


def silences(masks: list[np.ndarray], min_silence_s: float) -> list[Interval]:
    """Stretches of at least min_silence_s where no channel has voice activity."""
    anyone = np.logical_or.reduce(masks)
    return [i for i in mask_intervals(~anyone) if i.duration >= min_silence_s]
