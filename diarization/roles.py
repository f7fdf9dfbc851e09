"""Who is the agent: from the channel map, or from what each speaker says.

Agents greet, name the company, disclose recording, ask to verify, offer more help and close;
customers almost never do. Each speaker's evidence is the sum of the phrase classifier's
agent-behaviour probabilities over their sentences, plus a small prior for speaking first.
"""
from __future__ import annotations

import math

from callscore.core.record import Roles, Turn, Utterance

AGENT_ITEMS = ("greeting", "recording_disclosure", "verify_identity", "anything_else", "closing",
               "hold_start", "hold_end", "recap", "ownership")
FIRST_SPEAKER_PRIOR = 0.5
MIN_WORDS = 3  # "Hi.", "Hello.", "Bye-bye." are said by both sides: no evidence of who is the agent
DECISIVE_MARGIN = 1.0  # evidence difference (about one clear agent sentence) needed to overrule a default


def agent_evidence(utterances: list[Utterance], labels: list[str]) -> dict[str, float]:
    evidence = {label: 0.0 for label in labels}
    for u in utterances:
        if u.label in evidence and u.scores and not u.combined and len(u.text.split()) >= MIN_WORDS:
            evidence[u.label] += max(u.scores.get(item, 0.0) for item in AGENT_ITEMS)
    spoken = [u for u in utterances if u.label in evidence]
    if spoken:
        evidence[min(spoken, key=lambda u: u.start).label] += FIRST_SPEAKER_PRIOR
    return evidence


def _confidence(margin: float) -> float:
    return 0.5 + 0.5 * math.tanh(abs(margin) / 2)


def from_channel_map(channel_map: dict[str, int]) -> Roles:
    mapping = {f"ch{channel}": role for role, channel in channel_map.items()}
    return Roles(mapping, 1.0, "channel_map", [f"configured map {channel_map}"])


def from_speech(utterances: list[Utterance], labels: list[str], default_agent: str | None) -> Roles:
    """The speaker with most agent evidence is the agent; all others are customers.

    With a default (stereo auto: the usual channel 0), weak evidence keeps the default.
    """
    if not labels:
        return Roles({}, 0.0, "no_speech", ["nobody spoke"])
    evidence = agent_evidence(utterances, labels)
    ranked = sorted(labels, key=lambda label: evidence[label], reverse=True)
    agent = ranked[0]
    margin = evidence[agent] - (evidence[ranked[1]] if len(ranked) > 1 else 0.0)
    reasons = [f"agent evidence {label}={evidence[label]:.2f}" for label in ranked]
    method, confidence = "speech", _confidence(margin)
    if default_agent in labels and agent != default_agent and margin < DECISIVE_MARGIN:
        agent, method, confidence = default_agent, "default_channel", 1 - confidence
        reasons.append(f"evidence margin {margin:.2f} < {DECISIVE_MARGIN}: kept {default_agent} as agent")
    mapping = {label: ("agent" if label == agent else "customer") for label in labels}
    return Roles(mapping, confidence, method, reasons)


def apply_roles(turns: list[Turn], utterances: list[Utterance], roles: Roles) -> None:
    """Name each turn's and sentence's speaker by role (agent/customer) from its diarization label."""
    for turn in turns:
        turn.speaker = roles.mapping.get(turn.label, "unknown")
    for utterance in utterances:
        utterance.speaker = roles.mapping.get(utterance.label, "unknown")
