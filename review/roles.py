"""Who may do what in the review app (store/models.py lists the roles: monitor, lead, admin, agent)."""
from __future__ import annotations

REVIEWERS = ("monitor", "lead", "admin")  # review and rate calls, see calibration, agreement and analytics
LEADS = ("lead", "admin")  # run calibration, resolve disputes, set targets, export labels
