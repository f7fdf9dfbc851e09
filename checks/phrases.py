"""Phrase items: did the agent realise a behaviour (greeting, disclosure, recap...), where, how sure."""
from __future__ import annotations

import numpy as np

from callscore.checks.base import CallContext, CheckResult, check, not_applicable
from callscore.models import judge, registry
from callscore.core.record import CallRecord, Utterance
from callscore.core.text import split_words
from callscore.core.scorecard import Item, Window

EVIDENCE_LIMIT = 3
# what a sentence can restate: the same speaker's earlier sentences of some substance, finished
# before it began ("Okay." restates nothing; a pair judged together is its own halves). Words as
# split_words counts them: each Chinese character is one, where str.split saw a whole unspaced sentence as
# one word, so no Chinese sentence could be restated and every Chinese recap failed.
RESTATED_MIN_WORDS = 5
RESTATED_GAP_S = 1.0


def in_window(record: CallRecord, window: Window | None, speaker: str = "agent") -> list[Utterance]:
    """The speaker's utterances inside the window; paired sentences count when both halves are inside."""
    spoken = sorted((u for u in record.utterances if u.speaker == speaker and u.text), key=lambda u: u.start)
    if window is None:
        return spoken
    agent = [u for u in spoken if not u.combined]
    chosen: set[int] = set()
    if agent and (window.first_s is not None or window.first_agent_utterances is not None):
        for index, u in enumerate(agent):
            if (window.first_s is not None and u.start - agent[0].start <= window.first_s) or \
                    (window.first_agent_utterances is not None and index < window.first_agent_utterances):
                chosen.add(index)
    if agent and (window.last_s is not None or window.last_agent_utterances is not None):
        for index, u in enumerate(agent):
            if (window.last_s is not None and agent[-1].end - u.end <= window.last_s) or \
                    (window.last_agent_utterances is not None and index >= len(agent) - window.last_agent_utterances):
                chosen.add(index)
    inside = [agent[i] for i in sorted(chosen)]
    spans = {(u.start, u.end) for u in inside}
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    return inside + [u for u in spoken if u.combined and u.start in starts and u.end in ends]


def _strongest(utterances: list[Utterance], behaviour: str) -> list[Utterance]:
    return sorted(utterances, key=lambda u: u.scores.get(behaviour, 0.0), reverse=True)


def _meanings(utterances: list[Utterance]) -> np.ndarray:
    """Plain sentence vectors (not the judge's, which are tuned to tell behaviours apart), each
    computed once per utterance."""
    missing = [u for u in utterances if u.meaning is None]
    if missing:
        vectors = registry.sentence_encoder().encode([u.text for u in missing], batch_size=64, normalize_embeddings=True)
        for utterance, vector in zip(missing, vectors):
            utterance.meaning = vector
    return np.stack([u.meaning for u in utterances])


def restatement(record: CallRecord, utterance: Utterance) -> tuple[float, Utterance | None]:
    """The earlier sentence of the same speaker this one is closest to in meaning, and how close."""
    earlier = [u for u in record.utterances if u.speaker == utterance.speaker and not u.combined and u.text
               and u.end < utterance.start - RESTATED_GAP_S and len(split_words(u.text)) >= RESTATED_MIN_WORDS]
    if not earlier:
        return 0.0, None
    similarities = _meanings(earlier) @ _meanings([utterance])[0]
    best = int(np.argmax(similarities))
    return float(similarities[best]), earlier[best]


def _found(record: CallRecord, item: Item) -> tuple[bool, float, list[Utterance], dict]:
    """(said, best score, evidence, detail): the evidence is the strongest sentences at or over the
    threshold, or the closest miss. With restates_min_similarity, a sentence only counts when it
    restates an earlier one; a miss then reports its score scaled by how near it came."""
    behaviour = item.behaviour or item.id
    candidates = _strongest(in_window(record, item.window), behaviour)
    hits = [u for u in candidates if u.scores.get(behaviour, 0.0) >= item.threshold]
    restated: dict[int, tuple[float, Utterance | None]] = {}
    if item.restates_min_similarity:
        restated = {id(u): restatement(record, u) for u in hits}
        hits = [u for u in hits if restated[id(u)][0] >= item.restates_min_similarity]
    if hits:
        detail = {}
        if restated:
            detail["restates"] = [{"text": earlier.text, "start": round(earlier.start, 3),
                                   "similarity": round(similarity, 3)}
                                  for similarity, earlier in (restated[id(u)] for u in hits[:EVIDENCE_LIMIT])]
        return True, hits[0].scores[behaviour], hits[:EVIDENCE_LIMIT], detail
    if not candidates:
        return False, 0.0, [], {}
    closest = candidates[0]
    best = closest.scores.get(behaviour, 0.0)
    if id(closest) not in restated:
        return False, best, [closest], {}
    similarity = restated[id(closest)][0]
    # on centred vectors (multilingual.meaning) a sentence unlike every earlier one scores under 0: it restates nothing
    return False, best * max(similarity, 0.0) / item.restates_min_similarity, [closest], {
        "closest_restates_similarity": round(similarity, 3)}


def _no_agent_speech(record: CallRecord) -> bool:
    return not any(u.speaker == "agent" and u.text for u in record.utterances)


def _closest_to_condition(record: CallRecord, item: Item) -> tuple[Utterance | None, float]:
    """The sentence (either side) that best matches the item's `applies_if`, and its probability of meeting it."""
    key = judge.applies_key(item.id)
    closest = max((u for u in record.utterances if u.text and not u.combined),
                  key=lambda u: u.scores.get(key, 0.0), default=None)
    return closest, closest.scores.get(key, 0.0) if closest else 0.0


def _judge(record: CallRecord, item: Item, wanted: bool) -> CheckResult:
    if _no_agent_speech(record):
        return not_applicable("no agent speech")
    trigger = None
    if item.applies_if:
        trigger, probability = _closest_to_condition(record, item)
        if probability < judge.APPLIES_THRESHOLD:
            # as sure as the closest sentence is of not meeting the condition: a near miss asks a human to look
            closest = {"closest_condition": trigger.evidence() | {"score": round(probability, 3)}} if trigger else {}
            return not_applicable(f"nothing in the call matches: {item.applies_if}", 1 - probability, **closest)
    behaviour = item.behaviour or item.id
    said, best, evidence, found_detail = _found(record, item)
    detail = {"best_score": round(best, 3), "bar": item.threshold, "said": said} | found_detail
    if trigger is not None:
        detail["applies"] = trigger.evidence() | {"score": round(trigger.scores[judge.applies_key(item.id)], 3)}
    if not said and evidence:
        detail["closest"] = evidence[0].evidence()
    quotes = [u.evidence() | {"score": round(u.scores.get(behaviour, 0.0), 3)} for u in evidence] if said else []
    return CheckResult("pass" if said == wanted else "fail", best if said else 1 - best, quotes, detail)


@check("phrase")
def phrase_present(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """pass = the agent said something that realises the behaviour (in the item's window)."""
    return _judge(record, item, wanted=True)


@check("absent_phrase")
def phrase_absent(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """pass = the agent never did it (deflection); evidence shows each time they did."""
    return _judge(record, item, wanted=False)


DNC_REQUEST, DNC_ACKNOWLEDGE = "dnc_request", "dnc_acknowledge"


@check("do_not_call")
def do_not_call(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """When the customer asks not to be called again, the agent must acknowledge it afterwards.
    not_applicable when nobody asked; the detail says requested=True so the number can be suppressed."""
    requests = [u for u in _strongest(in_window(record, None, "customer"), DNC_REQUEST)
                if u.scores.get(DNC_REQUEST, 0.0) >= item.threshold]
    if not requests:
        return CheckResult("not_applicable", 1.0, [], {"requested": False})
    asked = min(requests, key=lambda u: u.start)
    replies = [u for u in _strongest(in_window(record, None), DNC_ACKNOWLEDGE) if u.start >= asked.start]
    best = replies[0].scores.get(DNC_ACKNOWLEDGE, 0.0) if replies else 0.0
    acknowledged = best >= item.threshold
    evidence = [asked.evidence()] + ([replies[0].evidence()] if acknowledged else [])
    return CheckResult("pass" if acknowledged else "fail", best if acknowledged else 1 - best, evidence,
                       {"requested": True, "acknowledged": acknowledged})
