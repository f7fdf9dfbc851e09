"""faster-whisper over the voiced stretches of one channel, with word timestamps."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callscore.languages import script_normalised, whisper_language
from callscore.audio.activity import HOP_S, runs
from callscore.audio.decode import SAMPLE_RATE
from callscore.core.record import Word

# Whisper needs a little context around each voiced stretch or it clips first and last words.
CHUNK_PAD_S = 0.25


@dataclass
class ChannelTranscript:
    words: list[Word]
    language: str  # the language forced, or the one detected when `auto` was asked for


def speech_chunks(mask: np.ndarray, n_samples: int) -> list[dict]:
    """Voice-activity runs, padded and merged, as faster-whisper clip dicts (sample indices)."""
    chunks: list[dict] = []
    pad = int(CHUNK_PAD_S * SAMPLE_RATE)
    hop = int(HOP_S * SAMPLE_RATE)
    for start, end in runs(mask):
        begin, finish = max(0, start * hop - pad), min(n_samples, end * hop + pad)
        if chunks and begin <= chunks[-1]["end"]:
            chunks[-1]["end"] = finish
        else:
            chunks.append({"start": begin, "end": finish})
    return chunks


def transcribe_channel(model, samples: np.ndarray, mask: np.ndarray, language: str | None,
                       beam_size: int, label: str, prompt: str | None = None) -> ChannelTranscript:
    """Transcribe only where this channel's own voice is active. `language` as set for the call (a code, or
    `auto` to let Whisper detect it).

    Our activity mask replaces faster-whisper's built-in VAD (same Silero model, but run once, and
    with crosstalk already removed); its timestamp restoring maps words back to call time.
    """
    from faster_whisper.transcribe import restore_speech_timestamps

    chunks = speech_chunks(mask, len(samples))
    forced = whisper_language(language)
    if not chunks:
        return ChannelTranscript([], forced or "en")
    voiced = np.concatenate([samples[c["start"]: c["end"]] for c in chunks])
    segments, info = model.transcribe(voiced, language=forced, beam_size=beam_size, word_timestamps=True,
                                      vad_filter=False, condition_on_previous_text=True,
                                      initial_prompt=prompt or None)
    return ChannelTranscript(_words(restore_speech_timestamps(segments, chunks, SAMPLE_RATE), label, 0.0,
                                    info.language), info.language)


def transcribe_span(model, samples: np.ndarray, start_s: float, end_s: float, language: str | None,
                    beam_size: int, label: str) -> list[Word]:
    """One stretch alone, without earlier text as context: the retry for speech the long pass dropped."""
    begin = max(0, int((start_s - CHUNK_PAD_S) * SAMPLE_RATE))
    finish = min(len(samples), int((end_s + CHUNK_PAD_S) * SAMPLE_RATE))
    segments, info = model.transcribe(samples[begin:finish], language=whisper_language(language),
                                      beam_size=beam_size, word_timestamps=True, vad_filter=False,
                                      condition_on_previous_text=False)
    return _words(segments, label, begin / SAMPLE_RATE, info.language)


def _words(segments, label: str, offset_s: float, language: str) -> list[Word]:
    return [Word(w.start + offset_s, w.end + offset_s, script_normalised(w.word.strip(), language), w.probability,
                 label) for segment in segments for w in segment.words or [] if w.word.strip()]
