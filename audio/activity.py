"""Per-channel voice activity from the audio itself (Silero VAD gated by frame energy).

Turn boundaries and dead air come from here, not from ASR segments: Whisper's segment times run
across pauses and holds. In stereo, a party's voice leaking faintly into the other channel
(crosstalk, echo) is removed by comparing the two channels' energy frame by frame, so the same
words are never attributed to both parties.
"""
from __future__ import annotations

import numpy as np

from callscore.audio.decode import SAMPLE_RATE
from callscore.core.intervals import Interval

HOP_S = 0.01
MIN_SPEECH_S = 0.12
MERGE_GAP_S = 0.3
SPEECH_PROB = 0.5
FAINT_SPEECH_PROB = 0.2
NEAR_SPEECH_S = 1.0
LOUD_ABOVE_FLOOR_DB = 12.0


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


def speech_probability(channel: np.ndarray, n_frames: int) -> np.ndarray:
    """Silero VAD (shipped inside faster-whisper) speech probability per HOP_S frame."""
    from faster_whisper.vad import get_vad_model

    window = 512  # Silero's window at 16 kHz: 32 ms
    padded = np.pad(channel, (0, window - len(channel) % window))
    probs = np.asarray(get_vad_model()(padded)).reshape(-1)
    frame_times = (np.arange(n_frames) + 0.5) * HOP_S * SAMPLE_RATE
    return probs[np.minimum((frame_times // window).astype(int), len(probs) - 1)]


def voice_mask(probability: np.ndarray, energy_db: np.ndarray) -> np.ndarray:
    """Confident Silero speech, plus the loud frames near weaker Silero speech.

    Silero alone drops soft word onsets and whole short phrases of some (synthetic, narrow-band)
    voices; energy alone mistakes hold music for speech. A frame well above the channel's noise
    floor counts when Silero hears at least faint speech within NEAR_SPEECH_S of it.
    """
    confident = _dilate(probability >= SPEECH_PROB, 4)
    faint_nearby = _dilate(probability >= FAINT_SPEECH_PROB, int(NEAR_SPEECH_S / HOP_S))
    loud = energy_db > np.percentile(energy_db, 10) + LOUD_ABOVE_FLOOR_DB
    return confident | (loud & faint_nearby)


def channel_activity(samples: np.ndarray, crosstalk_db: float) -> list[np.ndarray]:
    """Boolean frame masks, one per channel, with cross-channel leakage removed."""
    energy = frame_energy_db(samples)
    n_frames = energy.shape[1]
    masks = [voice_mask(speech_probability(channel, n_frames), energy[c]) for c, channel in enumerate(samples)]
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
