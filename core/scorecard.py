"""Scorecards: a YAML file a QA lead writes, validated on load, and the scoring rules over it.

Which behaviours the judge already knows is the judge's to say: `load` is given their names
(callscore.models.scorecards.load passes the judge's).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

Outcome = Literal["pass", "fail", "not_applicable"]


MIN_NEW_ITEM_EXAMPLES = 3


class ScorecardError(ValueError):
    """A scorecard that does not validate; the message names the file and each bad field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(Strict):
    """Where in the call the behaviour must happen (either bound suffices). An agent utterance is a sentence, not a
    turn (pipeline/utterances.py splits turns at sentence ends and pauses): a time bound reads the same on a chatty
    agent and a terse one, a count of utterances does not."""
    first_s: float | None = Field(None, gt=0)
    first_agent_utterances: int | None = Field(None, ge=1)
    last_s: float | None = Field(None, gt=0)
    last_agent_utterances: int | None = Field(None, ge=1)


class NotApplicableIf(Strict):
    shorter_than_s: float | None = Field(None, gt=0)
    no_customer_speech: bool = False


class Item(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    kind: Literal["phrase", "absent_phrase", "dead_air", "do_not_call"]
    behaviour: str | None = None  # a built-in behaviour the item scores; defaults to the item id
    weight: float = Field(1.0, ge=0)
    auto_fail: bool = False
    threshold: float = Field(0.5, gt=0, lt=1)  # the judge's scores are calibrated probabilities
    window: Window | None = None
    # the evidence must restate something the agent said earlier in the call (cosine similarity of
    # sentence embeddings at least this): a recap sums up what was done, it is not the first mention
    restates_min_similarity: float | None = Field(None, gt=0, lt=1)
    min_silence_s: float | None = Field(None, gt=0)
    not_applicable_if: NotApplicableIf | None = None
    examples: list[str] = []
    # what the agent does, in one sentence: the judge scores any phrase item from its description and
    # examples, so a QA lead defines a new item in words (built-in behaviours also have trained data)
    description: str = ""
    # when the item applies, in one sentence ("The customer reports a mistake by the company"): when
    # nothing said in the call matches it, the outcome is not_applicable
    applies_if: str | None = None

    @property
    def judged(self) -> bool:
        """Scored by the judge from what the agent says (phrase, absent_phrase), not from silences or a register."""
        return self.kind in ("phrase", "absent_phrase")

    @property
    def must_not(self) -> bool:
        """A behaviour the agent must never show (absent_phrase): one sentence of it fails the call."""
        return self.kind == "absent_phrase"

    @property
    def sets_own_bar(self) -> bool:
        """The scorecard gives this item a threshold of its own: a judge's default bar for it must not replace it."""
        return "threshold" in self.model_fields_set


class Section(Strict):
    id: str
    title: str
    items: list[Item] = Field(min_length=1)


class Scorecard(Strict):
    name: str
    version: str
    language: str = "en"
    description: str = ""
    flag_below_confidence: float = Field(0.65, gt=0, lt=1)
    script: list[str] = []  # item ids in the order the agent should perform them
    sections: list[Section] = Field(min_length=1)
    digest: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_written(cls, version):
        # `version: 1` is how a QA lead writes it; YAML reads it as a number. A whole number reads back as written,
        # a decimal may not (1.10 is the number 1.1), so that one is refused with the fix.
        if isinstance(version, (bool, float)):
            raise ValueError(f"YAML read the version as {version!r}; put it in quotes as written, e.g. version: \"1.10\"")
        return str(version) if isinstance(version, int) else version

    @field_validator("sections")
    @classmethod
    def _unique_ids(cls, sections: list[Section]) -> list[Section]:
        seen = set()
        for section in sections:
            for item in section.items:
                if item.id in seen:
                    raise ValueError(f"item id {item.id!r} appears twice")
                seen.add(item.id)
        return sections

    @model_validator(mode="after")
    def _script_refers_to_items(self, info: ValidationInfo) -> "Scorecard":
        ids = {item.id for item in self.items}
        unknown = [step for step in self.script if step not in ids]
        if unknown:
            raise ValueError(f"script: steps {unknown} are not item ids")
        builtin = info.context["builtin_behaviours"]
        for item in self.items:
            if not item.judged or (item.behaviour or item.id) in builtin:
                continue
            if item.behaviour:
                raise ValueError(f"item {item.id}: behaviour {item.behaviour!r} is not one of {list(builtin)}; "
                                 "leave `behaviour` out and give a description and examples to define a new one")
            if not item.description.strip() or len(item.examples) < MIN_NEW_ITEM_EXAMPLES:
                raise ValueError(f"item {item.id}: a new phrase item needs a `description:` (one sentence saying what "
                                 f"the agent does) and at least {MIN_NEW_ITEM_EXAMPLES} `examples:`")
        return self

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def with_item_changes(self, changes: dict[str, dict]) -> "Scorecard":
        """A copy whose items (by id) have these fields changed, e.g. the bar a judge reads them at; the items
        live in `sections`, so that is what is copied."""
        if not changes:
            return self
        return self.model_copy(update={"sections": [
            section.model_copy(update={"items": [item.model_copy(update=changes[item.id]) if item.id in changes else item
                                                 for item in section.items]})
            for section in self.sections]})

    @property
    def version_tag(self) -> str:
        return f"{self.name}@{self.version}#{self.digest[:8]}"


def load(path: Path | str, builtin_behaviours: tuple[str, ...]) -> Scorecard:
    """The scorecard at `path`, validated; a phrase item whose behaviour is not one of `builtin_behaviours`
    must define itself in words (description and examples)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
    except (OSError, yaml.YAMLError) as error:
        raise ScorecardError(f"{path}: cannot read scorecard: {error}") from None
    if not isinstance(data, dict):
        raise ScorecardError(f"{path}: a scorecard is a YAML mapping with name, version and sections")
    try:
        card = Scorecard.model_validate(data, context={"builtin_behaviours": builtin_behaviours})
    except ValidationError as error:
        problems = "; ".join(f"{_field_path(e['loc'], data)}: {e['msg']}" for e in error.errors())
        raise ScorecardError(f"{path}: {problems}") from None
    card.digest = hashlib.sha256(raw).hexdigest()
    return card


def _field_path(loc: tuple, data: dict) -> str:
    """('sections', 0, 'items', 2, 'weight') -> 'sections[0].items[2](greeting).weight'."""
    parts, node = [], data
    for key in loc:
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else {}
            if isinstance(node, dict) and "id" in node:
                parts[-1] += f"({node['id']})"
        else:
            parts.append(str(key))
            node = node.get(key, {}) if isinstance(node, dict) else {}
    return ".".join(parts) or "scorecard"


def score(card: Scorecard, outcomes: dict[str, Outcome]) -> dict:
    """Points of passed items over the points of applicable items; an auto-fail item that failed
    sets the score to 0 (raw_percent keeps what it would have been)."""
    points = max_points = 0.0
    auto_failed = []
    for item in card.items:
        outcome = outcomes.get(item.id, "not_applicable")
        if outcome == "not_applicable":
            continue
        max_points += item.weight
        if outcome == "pass":
            points += item.weight
        elif item.auto_fail:
            auto_failed.append(item.id)
    raw = round(100 * points / max_points, 1) if max_points else None
    return {"points": points, "max_points": max_points, "raw_percent": raw,
            "percent": 0.0 if auto_failed else raw, "auto_failed": bool(auto_failed),
            "auto_failed_items": auto_failed}
