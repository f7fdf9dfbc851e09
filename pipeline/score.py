"""The one orchestrator: a recording or a transcript file through every stage, in order, to its result document.

    recording   audio.decode -> audio.activity -> (mono: diarization.mono) -> transcription.whisper
                -> diarization.assign -> transcription.retry
    transcript  pipeline.transcript_input
    then        redaction (pipeline.redact) -> sentences (pipeline.utterances) -> the judge's sentence scores
                (models.phrases) -> roles (diarization.roles) -> CallRecord
    scoring     the judge's scorecard items (models.judge) -> checks -> pipeline.result

Stereo and mono recordings take the same path; they differ only in how voices are told apart (`Voices`). Each
stage is timed by the same hook (pipeline.timing); no stage knows of the stages after it. score_call is the unit
of work every entry point (CLI, flows, reprocessing) maps over files.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from callscore import languages
from callscore.audio.activity import channel_activity, mask_intervals
from callscore.audio.decode import Audio, AudioError, decode
from callscore.checks import run_checks
from callscore.core.files import file_sha256, write_atomically
from callscore.core.record import CallRecord, Roles, Turn, Utterance
from callscore.core.scorecard import Scorecard
from callscore.diarization import mono as mono_diarization
from callscore.diarization import roles as role_detection
from callscore.diarization.assign import assign_words, turns_from_masks
from callscore.models import judge, multilingual, phrases, registry
from callscore.pipeline import result as results
from callscore.pipeline import transcript_input
from callscore.pipeline.redact import RedactionConfig, redact_words
from callscore.pipeline.timing import Timings
from callscore.pipeline.utterances import split_turns
from callscore.settings import Settings, parse_channel_map
from callscore.transcription import transcribe_channel
from callscore.transcription.retry import retry_dropped_speech


def score_call(path: Path | str, settings: Settings, card: Scorecard, sidecar_language: str | None = None) -> dict:
    """Recording or transcript file (.json, .txt) -> callscore.result/1 dict. Raises AudioError for unreadable
    input (TranscriptError, one, for a bad transcript); a readable recording with no speech gets a result with
    every item not_applicable and the no_speech flag. The call's language is the sidecar's (given, or read
    beside the file), else the settings', else the scorecard's (callscore.languages.call_language)."""
    classifier = phrases.active(settings.classifier_dir)
    call = languages.for_call(settings, card.language, sidecar_language or languages.sidecar_language(path))
    timings = Timings()
    try:
        record = read_call(path, call, timings)
    except AudioError as error:
        if not error.no_speech or error.audio is None:
            raise
        document = results.no_speech(error.audio.meta(), error.audio.sha256, card, error.cause, call.asr_model,
                                     classifier.version, Path(path).stem)
    else:
        with timings.stage("checks_s"):
            if record.language == languages.DEFAULT:
                items_in_words = judge.in_words(card.items, classifier)
                judge.score_items(record.utterances, card.items, classifier, items_in_words)
                read_by_e5 = multilingual.second_opinion(record.utterances, card.items, items_in_words)
                borrowed = judge.borrowed_heads(items_in_words, classifier)
                checked = judge.in_words_bars(card, items_in_words)
            else:  # the English judge's encoder reads English only: the call is judged again on multilingual vectors
                read_by_e5 = multilingual.score_utterances(record.utterances, card.items)
                borrowed = {}  # the multilingual heads borrow no trained head
                checked = multilingual.e5_bars(card)
            checks, context = run_checks(record, checked, settings.min_silence_s)
            if record.language != languages.DEFAULT:
                multilingual.calibrate_verdicts(checks, checked)
            for item_id, behaviour in borrowed.items():
                checks[item_id].detail["trained_head"] = behaviour
        record.timings = timings.as_dict()
        document = results.build(record, card, checks, context, classifier.version)
        if read_by_e5:  # a retrain or a reprocess must know that e5 shaped these verdicts too
            document.versions.sentence_encoder = multilingual.encoder_version()
    note = languages.model_note(settings.asr_model, call.asr_model, call.language)
    if note and document.versions.asr_model == call.asr_model:  # a transcript file heard no speech model
        document.versions.asr_model_note = note
    return document.to_json()


def read_call(path: Path | str, settings: Settings, timings: Timings | None = None) -> CallRecord:
    """A recording or a transcript file -> the CallRecord the checks take (redacted, roles decided, sentences
    scored by the judge)."""
    timings = timings or Timings()
    if transcript_input.is_transcript_file(path):
        record = _from_transcript(Path(path), settings, timings)
    else:
        record = _from_recording(path, settings, timings)
    record.timings = timings.as_dict()
    return record


def transcribe_call(path: Path | str, settings: Settings) -> CallRecord:
    """A recording -> its CallRecord (what `callscore transcribe` writes)."""
    timings = Timings()
    record = _from_recording(path, settings, timings)
    record.timings = timings.as_dict()
    return record


@dataclass
class Voices:
    """How a recording's voices are told apart, before anything they say is known."""
    heard: dict[str, np.ndarray]  # what to transcribe: ASR label -> voice activity (each channel, or the mix)
    speakers: dict[str, np.ndarray]  # diarization label -> where that speaker speaks (turns are cut from these)
    channel_of: Callable[[str], int]  # the channel of audio.samples a label's speech is in
    by_channel: bool  # a label is a channel: its words stay in its own turns, and a channel map applies
    default_agent: str | None  # kept as the agent when the evidence of speech is weak
    activity: dict[str, np.ndarray]  # by label, for talk metrics and silences


def stereo_voices(audio: Audio, settings: Settings, timings: Timings) -> Voices:
    """One party per channel: a channel's voice activity is its speaker's."""
    with timings.stage("activity_s"):
        masks = channel_activity(audio.samples, settings.crosstalk_db)
    _require_speech(audio, masks)
    labelled = {f"ch{channel}": mask for channel, mask in enumerate(masks)}
    return Voices(heard=labelled, speakers=labelled, channel_of=lambda label: int(label[2:]), by_channel=True,
                  default_agent="ch0", activity=labelled)


def mono_voices(audio: Audio, settings: Settings, timings: Timings) -> Voices:
    """Both parties in one channel: the mix is transcribed once, speakers are told apart by their voices."""
    with timings.stage("activity_s"):
        speech = channel_activity(audio.samples[:1], settings.crosstalk_db)[0]
    _require_speech(audio, [speech])
    with timings.stage("diarize_s"):
        speakers = mono_diarization.diarize(audio.samples[0], *settings.speaker_bounds())
    return Voices(heard={"mono": speech}, speakers=speakers, channel_of=lambda label: 0, by_channel=False,
                  default_agent=None, activity=speakers | {"speech": speech})


def _from_recording(path: Path | str, settings: Settings, timings: Timings) -> CallRecord:
    with timings.stage("decode_s"):
        audio = decode(path, mono=settings.mono, allow_partial=settings.allow_partial)
    voices = (stereo_voices if audio.channels == 2 else mono_voices)(audio, settings, timings)
    turns, language = _transcribe(audio, voices, settings, timings)
    if not any(turn.words for turn in turns):
        raise AudioError(audio.path, "no words recognised (no intelligible speech)", no_speech=True, audio=audio)
    settings = settings.model_copy(update={"language": language})  # `auto`: what was detected, for what follows
    channel_map = parse_channel_map(settings.channels) if voices.by_channel else None
    labels = list(voices.speakers)

    def decide(utterances: list[Utterance]) -> Roles:
        if channel_map is not None:
            return role_detection.from_channel_map(channel_map)
        return role_detection.from_speech(utterances, labels, default_agent=voices.default_agent)

    utterances, roles, redactions = _understand(turns, settings, timings, decide)
    return CallRecord(call_id=Path(audio.path).stem, audio=audio.meta(), sha256=audio.sha256,
                      language=language or "en", turns=turns, activity=_activity_by_role(voices.activity, roles),
                      roles=roles, asr_model=settings.asr_model, utterances=utterances, redactions=redactions)


def _transcribe(audio: Audio, voices: Voices, settings: Settings, timings: Timings) -> tuple[list[Turn], str]:
    """Words of every voice in the turns they were said in; the language forced, or with `auto` the first
    channel's detection."""
    with timings.stage("transcribe_s"):
        model = registry.load_whisper(settings)
        words, language = [], None
        for label, mask in voices.heard.items():
            heard = transcribe_channel(model, audio.samples[voices.channel_of(label)], mask, settings.language,
                                       settings.beam_size, label, settings.asr_prompt)
            words += heard.words
            language = language or heard.language
    with timings.stage("diarize_s"):
        turns = assign_words(turns_from_masks(voices.speakers), words, same_label=voices.by_channel)
    with timings.stage("transcribe_s"):
        retry_dropped_speech(turns, lambda label: audio.samples[voices.channel_of(label)], model, language,
                             settings.beam_size, settings.retry_words_per_s)
    return turns, language


def _from_transcript(path: Path, settings: Settings, timings: Timings) -> CallRecord:
    with timings.stage("parse_s"):
        parsed = transcript_input.read(path)
    # the language the file declares is the call's own, as a sidecar's is; `auto` has nothing to detect from here
    setting = None if settings.language == languages.AUTO else settings.language
    language = languages.call_language(parsed.language, setting)
    settings = settings.model_copy(update={"language": language})
    for word in (w for turn in parsed.turns for w in turn.words):
        word.text = languages.script_normalised(word.text, language)
    labels = list(dict.fromkeys(turn.label for turn in parsed.turns))

    def decide(utterances: list[Utterance]) -> Roles:
        return transcript_input.named_roles(labels) or role_detection.from_speech(
            utterances, labels, default_agent=transcript_input.default_agent(labels))

    utterances, roles, redactions = _understand(parsed.turns, settings, timings, decide)
    return CallRecord(call_id=parsed.call_id or path.stem, audio=transcript_input.audio_meta(path, parsed),
                      sha256=file_sha256(path), language=language, turns=parsed.turns,
                      activity=transcript_input.activity(parsed, roles), roles=roles,
                      asr_model=f"transcript:{parsed.format}", utterances=utterances, redactions=redactions,
                      timed=parsed.timed)


def _understand(turns: list[Turn], settings: Settings, timings: Timings,
                decide_roles: Callable[[list[Utterance]], Roles]) -> tuple[list[Utterance], Roles, list[dict]]:
    """Words -> redacted sentences with the judge's scores, and who is the agent (roles read those scores)."""
    with timings.stage("roles_s"):
        redactions = redact_turns(turns, settings)
        utterances = split_turns(turns)
        phrases.score_utterances(utterances, phrases.active(settings.classifier_dir))
        roles = decide_roles(utterances)
        role_detection.apply_roles(turns, utterances, roles)
    return utterances, roles, redactions


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


def _activity_by_role(masks: dict[str, np.ndarray], roles: Roles) -> dict:
    """Each role's voice activity as intervals (labels without a role, the mono mix's "speech", keep theirs)."""
    by_role: dict[str, np.ndarray] = {}
    for label, mask in masks.items():
        role = roles.mapping.get(label, label)
        by_role[role] = by_role[role] | mask if role in by_role else mask
    return {role: mask_intervals(mask) for role, mask in by_role.items()}


def _require_speech(audio: Audio, masks: list[np.ndarray]) -> None:
    if not any(m.any() for m in masks):
        raise AudioError(audio.path, "no speech found (silence, tones or music only)", no_speech=True, audio=audio)


def write_json(path: Path, document: dict) -> None:
    """Write atomically: a killed run leaves the old file or the new one, never half of one."""
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), suffix=".tmp")
