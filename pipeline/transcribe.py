"""Call audio -> CallRecord: decode, voice activity, ASR, diarization, roles. Each stage is timed."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from callscore.diarization import mono as mono_diarization
from callscore.diarization import roles as role_detection
from callscore.diarization.assign import assign_words, turns_from_masks
from callscore.models import phrases, registry
from callscore.audio.activity import channel_activity, mask_intervals
from callscore.audio.decode import Audio, AudioError, decode
from callscore.core.record import CallRecord, Turn
from callscore.pipeline.redact import RedactionConfig, redact_words
from callscore.pipeline.utterances import split_turns
from callscore.settings import Settings, parse_channel_map
from callscore.transcription import transcribe_channel, transcribe_span


class Stopwatch:
    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = self._start = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self._last
        self._last = now

    def total(self) -> None:
        self.timings["total_s"] = time.perf_counter() - self._start


def transcribe_call(path: Path | str, settings: Settings) -> CallRecord:
    watch = Stopwatch()
    audio = decode(path, mono=settings.mono, allow_partial=settings.allow_partial)
    watch.lap("decode_s")
    record = (_stereo if audio.channels == 2 else _mono)(audio, settings, watch)
    watch.total()
    record.timings = watch.timings
    return record


def _stereo(audio: Audio, settings: Settings, watch: Stopwatch) -> CallRecord:
    masks = channel_activity(audio.samples, settings.crosstalk_db)
    watch.lap("activity_s")
    _require_speech(audio, masks)
    model = registry.load_whisper(settings)
    words, language = [], None  # the forced language, or with `auto` the first channel's detection
    for channel, mask in enumerate(masks):
        result = transcribe_channel(model, audio.samples[channel], mask, settings.language, settings.beam_size,
                                    f"ch{channel}", settings.asr_prompt)
        words += result.words
        language = language or result.language
    watch.lap("transcribe_s")
    settings = settings.model_copy(update={"language": language})  # `auto`: what was detected, for what follows
    labelled = {f"ch{c}": m for c, m in enumerate(masks)}
    turns = assign_words(turns_from_masks(labelled), words, same_label=True)
    watch.lap("diarize_s")
    retry_dropped_speech(turns, lambda label: audio.samples[int(label[2:])], model, settings)
    watch.lap("transcribe_s")
    redactions = redact_turns(turns, settings)
    channel_map = parse_channel_map(settings.channels)
    utterances = split_turns(turns)
    phrases.score_utterances(utterances, phrases.active(settings.classifier_dir))
    if channel_map is None:
        roles = role_detection.from_speech(utterances, list(labelled), default_agent="ch0")
    else:
        roles = role_detection.from_channel_map(channel_map)
    watch.lap("roles_s")
    return _assemble(audio, settings, turns, utterances, roles, labelled, language, redactions)


def _mono(audio: Audio, settings: Settings, watch: Stopwatch) -> CallRecord:
    samples = audio.samples[0]
    speech = channel_activity(audio.samples[:1], settings.crosstalk_db)[0]
    watch.lap("activity_s")
    _require_speech(audio, [speech])
    model = registry.load_whisper(settings)
    result = transcribe_channel(model, samples, speech, settings.language, settings.beam_size, "mono",
                                settings.asr_prompt)
    watch.lap("transcribe_s")
    settings = settings.model_copy(update={"language": result.language})  # `auto`: redact the detected language
    low, high = settings.speaker_bounds()
    speakers = mono_diarization.diarize(samples, low, high)
    turns = assign_words(turns_from_masks(speakers), result.words, same_label=False)
    watch.lap("diarize_s")
    retry_dropped_speech(turns, lambda label: samples, model, settings)
    watch.lap("transcribe_s")
    redactions = redact_turns(turns, settings)
    utterances = split_turns(turns)
    phrases.score_utterances(utterances, phrases.active(settings.classifier_dir))
    roles = role_detection.from_speech(utterances, list(speakers), default_agent=None)
    watch.lap("roles_s")
    return _assemble(audio, settings, turns, utterances, roles, speakers | {"speech": speech},
                     result.language, redactions)


RETRY_MIN_TURN_S = 1.5  # shorter turns are often one slow word ("Okay.") and rightly sparse


def retry_dropped_speech(turns: list[Turn], samples_of, model, settings: Settings) -> int:
    """Transcribe again, alone, each voiced turn the channel pass left nearly wordless; keep the retry
    when it finds more words. Returns how many turns changed.

    Whisper conditioned on its earlier text sometimes skips a whole sentence (a greeting, a promise),
    and a phrase item can only be found in words that exist.
    """
    if not settings.retry_words_per_s:
        return 0
    changed = 0
    for turn in turns:
        if turn.duration < RETRY_MIN_TURN_S or len(turn.words) >= settings.retry_words_per_s * turn.duration:
            continue
        retried = [w for w in transcribe_span(model, samples_of(turn.label), turn.start, turn.end,
                                              settings.language, settings.beam_size, turn.label)
                   if turn.start <= (w.start + w.end) / 2 <= turn.end]
        if len(retried) > len(turn.words):
            turn.words = retried
            changed += 1
    return changed


def _require_speech(audio: Audio, masks: list[np.ndarray]) -> None:
    if not any(m.any() for m in masks):
        raise AudioError(audio.path, "no speech found (silence, tones or music only)", no_speech=True, audio=audio)


def redact_turns(turns: list[Turn], settings: Settings) -> list[dict]:
    """Mask personal data in place, over the whole call as one word stream (a card number read out
    across two turns is still one number), before anything is classified, stored or shown. The call's
    language adds its number words and national ids to the English rules."""
    if not settings.redact:
        return []
    words = sorted((w for t in turns for w in t.words), key=lambda w: w.start)
    config = RedactionConfig.for_language(settings.language, mask_style=settings.redact_mask)
    masked, found = redact_words([(w.start, w.end, w.text) for w in words], config)
    for word, text in zip(words, masked):
        word.text = text
    return [{"type": r.type, "start": round(r.start, 3), "end": round(r.end, 3)} for r in found]


def apply_roles(turns: list[Turn], utterances: list, roles) -> None:
    """Name each turn's and sentence's speaker by role (agent/customer) from its diarization label."""
    for turn in turns:
        turn.speaker = roles.mapping.get(turn.label, "unknown")
    for utterance in utterances:
        utterance.speaker = roles.mapping.get(utterance.label, "unknown")


def _assemble(audio, settings, turns, utterances, roles, masks, language, redactions) -> CallRecord:
    apply_roles(turns, utterances, roles)
    by_role: dict[str, np.ndarray] = {}
    for label, mask in masks.items():
        role = roles.mapping.get(label, label)
        by_role[role] = by_role[role] | mask if role in by_role else mask
    activity = {role: mask_intervals(mask) for role, mask in by_role.items()}
    if not any(turn.words for turn in turns):
        raise AudioError(audio.path, "no words recognised (no intelligible speech)", no_speech=True, audio=audio)
    return CallRecord(call_id=Path(audio.path).stem, audio=audio.meta(), sha256=audio.sha256,
                      language=language or "en", turns=turns, activity=activity, roles=roles,
                      asr_model=settings.asr_model, utterances=utterances, redactions=redactions)
