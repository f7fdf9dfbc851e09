"""callscore.core: the plain types every layer shares, and the result document's generated schema."""
from __future__ import annotations

import json

from callscore.core.result import ResultDocument, schema_text
from callscore.settings import REPO_ROOT
from callscore.review.demo import default_card, document


def test_committed_schema_is_the_generated_one():
    committed = (REPO_ROOT / "pipeline" / "result.schema.json").read_text()
    assert committed == schema_text(), (
        "pipeline/result.schema.json is generated: .venv/bin/python -m callscore.core.result > pipeline/result.schema.json")


def test_a_document_reads_back_as_written():
    doc = document("call-x", default_card())
    doc["talk"] = {}  # a transcript without times
    doc["segments"][0]["start"] = 0  # a whole-second time stays an int
    assert json.dumps(ResultDocument.model_validate(doc).to_json()) == json.dumps(doc)
