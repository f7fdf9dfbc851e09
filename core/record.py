"""The data contract between stages: plain dataclasses with JSON in and out."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

from callscore.core.intervals import Interval
from callscore.core.text import join_words

Role = Literal["agent", "customer", "unknown"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass
class Word:
    start: float
    end: float
    text: str
    prob: float
    speaker: str = "unknown"  # diarization label (ch0, ch1, spk0...) until roles map it

    def to_json(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text,
                "prob": round(self.prob, 3)}


@dataclass
class Turn:
    """One stretch of one speaker's voice activity, with the words said in it."""
    speaker: str  # role after roles.assign: agent | customer | unknown
    start: float
    end: float
    words: list[Word] = field(default_factory=list)
    label: str = ""  # diarization label before roles (ch0 / spk1)

    @property
    def text(self) -> str:
        return join_words(w.text for w in self.words)

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_json(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, 3), "end": round(self.end, 3),
                "text": self.text, "words": [w.to_json() for w in self.words]}

    @classmethod
    def from_json(cls, data: dict) -> "Turn":
        words = [Word(w["start"], w["end"], w["text"], w.get("prob", 1.0), data["speaker"]) for w in data["words"]]
        return cls(data["speaker"], data["start"], data["end"], words, data.get("label", data["speaker"]))


@dataclass
class Roles:
    """Which diarization label is the agent, how sure, and why."""
    mapping: dict[str, str]  # label -> role
    confidence: float
    method: str
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self) | {"confidence": round(self.confidence, 3)}


@dataclass
class CallRecord:
    """Everything the checks need about one call."""
    call_id: str
    audio: dict  # path, duration_s, sample_rate, channels
    sha256: str
    language: str
    turns: list[Turn]
    activity: dict[str, list[Interval]]  # per role: where that party's voice is active (from audio)
    roles: Roles
    asr_model: str
    utterances: list["Utterance"] = field(default_factory=list)
    redactions: list[dict] = field(default_factory=list)  # type and interval of each masked value
    timings: dict[str, float] = field(default_factory=dict)
    # False for a transcript without times: its times are estimated from word counts, so nothing that
    # measures time (dead air, holds, talk metrics) is judged from them
    timed: bool = True

    @property
    def duration_s(self) -> float:
        return self.audio["duration_s"]

    def turns_of(self, role: str) -> list[Turn]:
        return [t for t in self.turns if t.speaker == role]

    def to_json(self) -> dict:
        return {
            "schema": "callscore.transcript/1", "call_id": self.call_id, "audio": self.audio,
            "sha256": self.sha256, "language": self.language, "asr_model": self.asr_model,
            "roles": self.roles.to_json(),
            "segments": [t.to_json() for t in self.turns],
            "redactions": self.redactions,
            "utterances": [u.evidence() | {"label": u.label, "combined": u.combined,
                                            "scores": {k: round(v, 3) for k, v in u.scores.items()}}
                           for u in self.utterances],
            "activity": {role: [i.to_json() for i in spans] for role, spans in self.activity.items()},
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "CallRecord":
        roles = data["roles"]
        return cls(
            call_id=data["call_id"], audio=data["audio"], sha256=data.get("sha256", ""),
            language=data.get("language", "en"), turns=[Turn.from_json(t) for t in data["segments"]],
            activity={r: [Interval(**i) for i in spans] for r, spans in data.get("activity", {}).items()},
            roles=Roles(roles["mapping"], roles["confidence"], roles["method"], roles.get("reasons", [])),
            asr_model=data.get("asr_model", ""), timings=data.get("timings", {}),
            redactions=data.get("redactions", []),
            utterances=[Utterance(u["speaker"], u["start"], u["end"], u["text"], u.get("label", ""),
                                  u.get("scores", {}), u.get("combined", False)) for u in data.get("utterances", [])],
        )

    def rttm(self) -> str:
        return "".join(f"SPEAKER {self.call_id} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
                       for t in self.turns)


@dataclass
class Utterance:
    """A sentence-sized piece of one turn: the unit the judge judges."""
    speaker: str
    start: float
    end: float
    text: str
    label: str = ""
    scores: dict[str, float] = field(default_factory=dict)  # phrase item -> probability
    combined: bool = False  # two adjacent sentences judged together ("Good morning. Acme, Sam speaking.")
    embedding: object = field(default=None, repr=False, compare=False)  # the judge's unit vector, not stored
    # the packaged MiniLM's unit vector (plain meaning, for what a sentence restates), not stored
    meaning: object = field(default=None, repr=False, compare=False)

    def evidence(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "speaker": self.speaker, "text": self.text}
