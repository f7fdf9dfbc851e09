"""What every check returns, and the registry of check kinds a scorecard item can name."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from callscore.core.record import CallRecord
from callscore.core.scorecard import Item, Outcome


@dataclass
class CheckResult:
    outcome: Outcome
    confidence: float
    evidence: list[dict] = field(default_factory=list)
    detail: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "confidence": round(float(self.confidence), 3),
                "evidence": self.evidence, "detail": self.detail}


@dataclass
class CallContext:
    """Derived once per call and shared by the checks: dead air and holds, script positions."""
    dead_air: list = field(default_factory=list)
    holds: list = field(default_factory=list)


CheckFn = Callable[[CallRecord, Item, CallContext], CheckResult]
CHECKS: dict[str, CheckFn] = {}


def check(kind: str) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        CHECKS[kind] = fn
        return fn
    return register


def not_applicable(reason: str, confidence: float = 1.0, **detail) -> CheckResult:
    return CheckResult("not_applicable", confidence, [], {"reason": reason} | detail)
