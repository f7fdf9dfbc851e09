"""The callscore.result/1 document, typed: what `score` writes, the store keeps and reviewers see.

pipeline/result.schema.json is generated from these models (`python -m callscore.core.result`), so the
documented schema and what the pipeline writes cannot drift apart. Fields marked "absent when None" are left
out of the JSON rather than written as null: documents written before they existed must read the same.
"""
from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from callscore.core.record import Role
from callscore.core.scorecard import Outcome

SCHEMA = "callscore.result/1"
# Why a human should look at a call; `auto_fail:<item id>` names the failed item.
FLAGS = ("auto_fail", "low_confidence", "dead_air", "deflection", "role_uncertain", "order_violation", "no_speech",
         "do_not_call", "truncated")

# A number kept as it came: an int stays an int (a transcript's whole-second times, counts), so a document
# reads back and writes out byte for byte
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]


def _absent_when_none(description: str | None = None) -> Any:
    return Field(None, exclude_if=lambda value: value is None, description=description)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(Part):
    start: Number
    end: Number


class TranscriptSource(Part):
    """Present when the call was scored from a transcript file, not a recording: nothing to play."""
    format: Literal["callscore", "whisperx", "segments", "amazon", "text"]
    timed: bool = Field(description="false: times estimated from word counts; dead air not_applicable, talk empty")


class AudioMeta(Part):
    path: str
    duration_s: Number
    sample_rate: int | None = Field(description="of the source file; null for a transcript")
    channels: int | None = Field(description="null for a transcript")
    transcript: TranscriptSource | None = _absent_when_none()
    truncated: str | None = _absent_when_none(
        "present only when the recording is cut short (scored with --allow-partial): why")


class Word(Part):
    start: Number
    end: Number
    text: str
    prob: Number | None = _absent_when_none()


class Segment(Part):
    speaker: Role
    start: Number
    end: Number
    text: str
    words: list[Word]


class Roles(Part):
    """Which diarization label is which role, how sure, and why."""
    mapping: dict[str, str] = Field(description="diarization label -> agent|customer|unknown")
    confidence: Number
    method: str
    reasons: list[str] = []


class Redaction(Part):
    """A masked value: its kind and where it was said, never the value."""
    type: str
    start: Number
    end: Number


class Evidence(Part):
    """A quote the verdict rests on; phrase items add the judge's `score`."""
    model_config = ConfigDict(extra="allow")
    start: Number
    end: Number
    speaker: str
    text: str


class Check(Part):
    outcome: Outcome
    confidence: Number = Field(ge=0, le=1)
    evidence: list[Evidence]
    detail: dict[str, Any] = Field(description=(
        "Check-specific. Phrase items: best_score, bar (the score from which a sentence counts), said, closest (the "
        "strongest sentence when the item was not said); with restates_min_similarity also restates (per evidence "
        "quote, the earlier sentence it restates) or closest_restates_similarity; an item in words whose examples "
        "a built-in behaviour's trained head recognises also trained_head (that behaviour: it scored the item "
        "beside the item's own head). do_not_call: requested, acknowledged. dead_air: intervals, total_s, holds. "
        "A not_applicable result: reason; from applies_if also closest_condition (the sentence nearest to meeting "
        "the condition, with its probability: the result's confidence is one less that)."))


class ScriptStep(Part):
    item: str
    found: bool
    start: Number | None


class Script(Part):
    steps: list[ScriptStep]
    order_violations: list[tuple[str, str]] = Field(
        description="[X, Y]: X happened before Y although the script puts Y first")


class TalkMetrics(Part):
    agent_talk_s: Number
    customer_talk_s: Number
    talk_listen_ratio: Number | None
    agent_talk_share: Number | None
    overtalk_count: int
    overtalk_s: Number
    longest_monologue_s: Number
    longest_monologue_speaker: str | None
    agent_words_per_minute: Number | None
    silence_share: Number


class NoTalk(Part):
    """A transcript without times, or no speech: talk is not measured."""


class Score(Part):
    points: Number
    max_points: Number
    raw_percent: Number | None = Field(description="what the percent would be without auto-fail")
    percent: Number | None = Field(description="0 when an auto-fail item failed; null when no item applied")
    auto_failed: bool
    auto_failed_items: list[str]


class Versions(Part):
    callscore: str
    asr_model: str = Field(description="the speech model, or transcript:<format> for a transcript file")
    classifier: str
    scorecard: str = Field(description="name@version#digest")
    asr_model_note: str | None = _absent_when_none("why another speech model than the one asked for was used")
    sentence_encoder: str | None = _absent_when_none(
        "the multilingual encoder that judged the call's sentences too: instead of the classifier for a call not in "
        "English, beside it for an English call's items in words and applies_if conditions")


class ResultDocument(Part):
    """callscore.result/1: one scored call (provisional until a QA monitor confirms it)."""
    model_config = ConfigDict(title="callscore.result/1", populate_by_name=True)

    schema_: Literal["callscore.result/1"] = Field(SCHEMA, alias="schema")
    call_id: str = Field(description="file stem of the recording (or the id a transcript declares)")
    status: Literal["provisional", "confirmed"] = "provisional"
    audio: AudioMeta
    sha256: str | None = _absent_when_none("content hash of the recording (of the file, for a transcript)")
    language: str
    roles: Roles | None
    segments: list[Segment]
    redactions: list[Redaction] | None = _absent_when_none()
    checks: dict[str, Check] = Field(description="one entry per scorecard item id")
    script: Script
    dead_air: list[Interval]
    holds: list[Interval] = Field(description="announced holds: never dead air")
    talk: TalkMetrics | NoTalk
    score: Score
    flags: list[str] = Field(description="why a human should look: " + ", ".join(FLAGS)
                             + " (auto_fail:<item id>)")
    versions: Versions
    timings: dict[str, Number] = Field(description="seconds per stage (decode_s, activity_s, transcribe_s, "
                                                   "diarize_s, roles_s, checks_s, total_s)")
    purged_at: str | None = _absent_when_none("when retention removed the words (ISO time)")

    def to_json(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)


def json_schema() -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://callscore.dev/schema/callscore.result-1.json",
            **ResultDocument.model_json_schema(by_alias=True, mode="serialization")}


def schema_text() -> str:
    """pipeline/result.schema.json as committed."""
    return json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
