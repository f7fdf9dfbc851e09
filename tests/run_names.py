"""What a run names by itself (when a row was stored, which judge it built): a leak test reads a whole result, page or
table for call data, and these may hold any digit run by chance."""
from __future__ import annotations

import re

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?|datetime\.datetime\([\d, ]+\)")
# the judge's version names the time it was built (judge-20261204-193036-6216946b once matched "0 3 6 6")
JUDGE_VERSION = re.compile(r"judge-\d{8}-\d{6}-[0-9a-f]+")


def without_run_names(blob: str) -> str:
    return TIMESTAMP.sub("<time>", JUDGE_VERSION.sub("<judge>", blob))
