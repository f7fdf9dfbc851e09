"""The review app's people, as pages list them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.review.roles import REVIEWERS
from callscore.store.models import User


def possible_raters(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active, User.role.in_(REVIEWERS)).order_by(User.username)))
