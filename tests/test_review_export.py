"""Label export for retraining (routes/export.py, store/review_labels.py, `callscore review export-labels`)."""
import json

from review_helpers import cli_parser, client_for, save


def test_export_labels_for_retraining(env, tmp_path):
    save(env, "ana", {"ownership": ("fail", "not ownership"), "recap": ("not_applicable", "too short")})
    save(env, "ben", {}, submit=False, call="call-003")  # a draft: not exported
    response = client_for(env, "lena").get("/export/labels.jsonl")
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    by_item = {line["item"]: line for line in lines}
    assert set(by_item) == {"greeting", "recording_disclosure", "verify_identity", "ownership", "anything_else", "closing"}
    assert by_item["ownership"] == {"text": "Leave it with me, I will sort this out and refund the extra charge today.",
                                    "items": [], "group": "call-001", "source": "review", "reviewer": "ana",
                                    "item": "ownership", "label": "fail"}
    assert by_item["greeting"]["items"] == ["greeting"] and by_item["greeting"]["label"] == "pass"
    from callscore.models.phrases import Example

    Example(**{k: by_item["greeting"][k] for k in ("text", "items", "group", "source")})  # what training reads

    out = tmp_path / "labels.jsonl"
    parser = cli_parser()
    args = parser.parse_args(["review", "--db", str(env["store"].url), "export-labels", "--out", str(out)])
    assert args.run(args) == 0
    assert [json.loads(line) for line in out.read_text().splitlines()] == lines
