"""Review sampling: each agent gets a random sample of their week's scored calls in the review queue, besides the
flagged calls, so human scores and machine-vs-human agreement rest on an unbiased sample. The draw is seeded by
(seed, week, agent): the same inputs always pick the same calls, and drawing a week twice adds nothing."""
from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.analytics.metrics import mark_sampled
from callscore.analytics.query import Filters, current_results
from callscore.store.analytics_models import ReviewSample
from callscore.store.models import Call


def draw(week: str, agent: str, call_ids: list[str], per_agent: tuple[int, int], seed: str) -> list[str]:
    """The sample: between per_agent[0] and per_agent[1] calls (all of them if fewer), seeded."""
    rng = random.Random(f"{seed}|{week}|{agent}")
    size = min(len(call_ids), rng.randint(*per_agent))
    return sorted(rng.sample(sorted(call_ids), size))


def sample_week(session: Session, week: str, per_agent: tuple[int, int] = (4, 8), seed: str = "callscore",
                filters: Filters = Filters()) -> dict[str, list[str]]:
    """Draw (or return the existing) sample of `week` for every agent with scored calls in it: agent -> call ids.
    Sampled calls get the `sampled` flag and go to_review if nobody has reviewed them yet."""
    existing: dict[str, list[str]] = {}
    for agent, call_id in session.execute(select(ReviewSample.agent_id, ReviewSample.call_id)
                                          .where(ReviewSample.week == week).order_by(ReviewSample.call_id)):
        existing.setdefault(agent, []).append(call_id)
    by_agent: dict[str, list[str]] = {}
    rows = session.execute(current_results(filters.for_week(week)).with_only_columns(Call.agent_id, Call.id)
                           .where(Call.agent_id.is_not(None)))
    for agent, call_id in rows:
        by_agent.setdefault(agent, []).append(call_id)
    out = {}
    for agent, call_ids in sorted(by_agent.items()):
        if agent in existing:
            out[agent] = existing[agent]
            continue
        out[agent] = draw(week, agent, call_ids, per_agent, seed)
        for call_id in out[agent]:
            session.add(ReviewSample(week=week, agent_id=agent, call_id=call_id, seed=seed))
            mark_sampled(session, call_id)
    session.flush()
    return out
