"""Transcripts as input: each format parses to the right roles, times and text; scoring one gives a valid
callscore.result/1 with the expected verdicts; bad files get one line and the batch goes on; the nightly
inbox finds transcripts but not metadata sidecars; the review page works without a recording.
Real classifier and redaction on hand-written fixtures (tests/fixtures/transcripts/)."""
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from callscore.models import scorecards
from callscore.pipeline.score import read_call, score_call
from callscore.pipeline.transcript_input import TranscriptError, parse, read
from callscore.settings import REPO_ROOT, Settings
from run_names import without_run_names

HERE = Path(__file__).parent / "fixtures" / "transcripts"
SCHEMA = json.loads((REPO_ROOT / "pipeline" / "result.schema.json").read_text())


@pytest.fixture(scope="module")
def card():
    return scorecards.load(REPO_ROOT / "scorecards" / "default.yaml")


@pytest.fixture(scope="module")
def scored(settings, card):
    """Every good fixture scored once: name -> result document."""
    return {p.name: score_call(p, settings, card) for p in sorted(HERE.glob("*.*"))}


def outcomes(result: dict) -> dict[str, str]:
    return {item: check["outcome"] for item, check in result["checks"].items()}


def test_each_format_is_recognised_and_keeps_the_speakers_times_and_text():
    expected = {"segments_roles.json": ("segments", ["agent", "customer"], True),
                "whisperx.json": ("whisperx", ["SPEAKER_01", "SPEAKER_00"], True),
                "amazon_channels.json": ("amazon", ["ch_0", "ch_1"], True),
                "amazon_speakers.json": ("amazon", ["spk_0", "spk_1"], True),
                "billing_timed.txt": ("text", ["Agent", "Customer"], True),
                "billing_untimed.txt": ("text", ["Rep", "Caller"], False)}
    for name, (fmt, labels, timed) in expected.items():
        parsed = parse(name, (HERE / name).read_bytes())
        labels_in_order = list(dict.fromkeys(t.label for t in parsed.turns))
        assert (parsed.format, labels_in_order, parsed.timed) == (fmt, labels, timed), name
        starts = [t.start for t in parsed.turns]
        assert starts == sorted(starts) and all(w.end >= w.start for t in parsed.turns for w in t.words), name

    amazon = parse("a.json", (HERE / "amazon_channels.json").read_bytes())
    # punctuation items join the word before them; times come from the strings Amazon writes
    assert amazon.turns[0].text == "Good morning, thanks for calling Bright Broadband, Alex speaking, how can I help?"
    assert (amazon.turns[0].start, amazon.turns[1].start, amazon.language) == (0.5, 6.0, "en")
    # the same call with speaker labels instead of channels reads the same
    speakers = parse("a.json", (HERE / "amazon_speakers.json").read_bytes())
    assert [t.text for t in speakers.turns] == [t.text for t in amazon.turns]

    whisperx = parse("w.json", (HERE / "whisperx.json").read_bytes())
    claim = whisperx.turns[4].words  # "H B 3 double 7": WhisperX gave the numeral no times
    three = next(w for w in claim if w.text == "3")
    assert three.start == three.end == claim[claim.index(three) - 1].end

    timed = parse("t.txt", (HERE / "billing_timed.txt").read_bytes())
    assert [t.start for t in timed.turns[:3]] == [0.0, 5.0, 9.0]
    assert timed.turns[0].end == 5.0  # 15 words at 0.4 s would run past the next line: it ends there
    long_call = parse("l.txt", b"[00:59:58] Agent: Sorry for the wait.\n[01:00:03.5] Customer: No problem.\n")
    assert [t.start for t in long_call.turns] == [3598.0, 3603.5]
    untimed = parse("u.txt", (HERE / "billing_untimed.txt").read_bytes())
    # a wrapped line continues the one before
    assert untimed.turns[1].text == "Hi Sam, I want to pay my outstanding bill by card if that's possible."


def test_roles_from_the_file_or_from_the_detector(settings, tmp_path):
    named = read_call(HERE / "billing_untimed.txt", settings)  # Rep / Caller are role names
    assert (named.roles.method, named.roles.mapping) == ("transcript", {"Rep": "agent", "Caller": "customer"})
    (tmp_path / "u.txt").write_text("AGENT: Good morning, Acme.\nunknown: Hello?\nCustomer: Hi, it's about my bill.\n")
    mixed = read_call(tmp_path / "u.txt", settings)  # 'unknown' (callscore's own) does not void the roles
    assert mixed.roles.mapping == {"AGENT": "agent", "unknown": "unknown", "Customer": "customer"}
    labelled = read_call(HERE / "whisperx.json", settings)  # pyannote labels: the agent is SPEAKER_01
    assert labelled.roles.method == "speech" and labelled.roles.confidence > 0.9
    assert labelled.roles.mapping == {"SPEAKER_01": "agent", "SPEAKER_00": "customer"}
    assert labelled.turns[0].speaker == "agent" and labelled.turns[1].speaker == "customer"


def test_scored_transcripts_are_valid_results_with_the_obvious_verdicts(scored):
    for name, result in scored.items():
        jsonschema.validate(result, SCHEMA)
        assert result["versions"]["asr_model"] == f"transcript:{result['audio']['transcript']['format']}", name
        assert outcomes(result)["greeting"] == "pass", name  # every agent opens with a greeting
        assert outcomes(result)["anything_else"] == "pass", name

    lost_card = scored["segments_roles.json"]
    assert lost_card["call_id"] == "lost-card-0001"  # declared in the file
    # 22.5 -> 29.6: nobody speaks for 7.1 s and no hold was announced
    assert outcomes(lost_card)["dead_air"] == "fail" and "dead_air" in lost_card["flags"]
    assert lost_card["dead_air"] == [{"start": 22.5, "end": 29.6}]
    assert lost_card["talk"]["agent_talk_s"] > lost_card["talk"]["customer_talk_s"] > 0
    assert outcomes(scored["billing_timed.txt"])["dead_air"] == "pass"

    untimed = scored["billing_untimed.txt"]
    assert untimed["checks"]["dead_air"] == {"outcome": "not_applicable", "confidence": 1.0, "evidence": [],
                                             "detail": {"reason": "the transcript has no times"}}
    assert untimed["talk"] == {} and untimed["dead_air"] == [] and untimed["audio"]["transcript"]["timed"] is False


def test_imported_words_are_redacted_like_heard_ones(scored):
    billing = scored["billing_timed.txt"]
    assert "card_number" in [r["type"] for r in billing["redactions"]]
    assert "4111" not in without_run_names(json.dumps(billing))  # a judge built at hh:41:11 is named ...-hh4111-...
    lost_card = scored["segments_roles.json"]
    assert "date_of_birth" in [r["type"] for r in lost_card["redactions"]]
    assert "nineteen eighty" not in json.dumps(lost_card)


def test_a_hold_whose_lines_leave_no_silence_between_them_is_still_a_hold(settings, card, tmp_path):
    """With only start times, a line ends where the next starts when a slow speaker would need longer: the
    announcement runs into "thanks for holding" and the times show no silence, yet the agent put the customer
    on hold and came back (the Chinese and Ukrainian held-out calls' holds were all written so)."""
    path = tmp_path / "meter.txt"
    path.write_text("[00:00] Agent: Thanks for calling Northwind Energy, Sam speaking, how can I help?\n"
                    "[00:04] Customer: Hi, the meter reading on my last bill looks wrong.\n"
                    "[00:09] Agent: Right, I will pull up your account, could you please hold the line for me "
                    "for just a moment while I look into that reading?\n"
                    "[00:16] Agent: Thanks for holding, I can see the reading now.\n"
                    "[00:20] Customer: Okay.\n")
    record = read_call(path, settings)
    announcement = next(t for t in record.turns if "hold the line" in t.text)
    assert announcement.end == 16.0  # its slow-speaker length ran past the next line
    result = score_call(path, settings, card)
    assert result["holds"] == [{"start": 16.0, "end": 16.0}]
    assert result["dead_air"] == []


def test_callscore_transcribe_output_round_trips(stereo_record, settings, card, tmp_path):
    path = tmp_path / "stereo_call.json"
    path.write_text(json.dumps(stereo_record.to_json()))
    record = read_call(path, settings)
    assert record.asr_model == "transcript:callscore" and record.call_id == stereo_record.call_id
    assert [(t.speaker, t.start, t.end, t.text) for t in record.turns] == \
        [(t.speaker, round(t.start, 3), round(t.end, 3), t.text) for t in stereo_record.turns]
    assert record.activity == {role: [type(i)(round(i.start, 3), round(i.end, 3)) for i in spans]
                               for role, spans in stereo_record.activity.items()}  # its voice activity is kept
    jsonschema.validate(score_call(path, settings, card), SCHEMA)


def test_a_bad_file_gets_one_line_and_the_batch_goes_on(tmp_path, capsys):
    from callscore.cli import main

    bad = HERE / "bad"
    code = main(["score", str(bad / "not_a_transcript.json"), str(bad / "truncated.json"),
                 str(HERE / "billing_untimed.txt"), "--out", str(tmp_path)])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert code == 1 and (tmp_path / "billing_untimed.json").exists()
    assert errors == [
        f"error: {bad / 'not_a_transcript.json'}: not a transcript: no 'segments' (callscore, WhisperX) "
        "or 'results.items' (Amazon Transcribe)",
        f"error: {bad / 'truncated.json'}: not valid JSON "
        "(Unterminated string starting at: line 1 column 70 (char 69))"]
    with pytest.raises(TranscriptError, match=r"x\.txt: not a transcript: no 'Speaker: text' lines"):
        (tmp_path / "x.txt").write_text("Minutes of the Tuesday meeting\nnothing to report\n")
        read(tmp_path / "x.txt")
    with pytest.raises(TranscriptError, match="line 2: no \\[mm:ss\\] time though other lines have one"):
        (tmp_path / "y.txt").write_text("[00:01] Agent: Hello there, Acme.\nCustomer: Hi.\n")
        read(tmp_path / "y.txt")


def inbox_with_sidecars(root: Path) -> Path:
    """Transcripts beside a recording, its metadata sidecar, a transcript's sidecar and a stray JSON."""
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "c1.wav").write_bytes(b"RIFF")
    (inbox / "c1.json").write_text(json.dumps({"agent_id": "A1", "segments": "not this"}))  # c1.wav's sidecar
    shutil.copy(HERE / "billing_timed.txt", inbox / "c2.txt")
    (inbox / "c2.json").write_text(json.dumps({"agent_id": "A7", "team": "north"}))  # c2.txt's sidecar
    shutil.copy(HERE / "whisperx.json", inbox / "c3.json")
    shutil.copy(HERE / "segments_roles.json", inbox / "c4.json")
    (inbox / "export.json").write_text(json.dumps({"calls": 3}))  # not a call
    (inbox / "readme.txt").write_text("Put the day's recordings here.\n")
    (inbox / "c4_result.json").write_text(json.dumps({"schema": "callscore.result/1", "segments": []}))  # scored before
    return inbox


def test_folders_and_the_inbox_find_transcripts_but_not_sidecars(tmp_path):
    from callscore.batch import expand
    from callscore.flows.discover import discover

    inbox = inbox_with_sidecars(tmp_path)
    assert [p.name for p in expand([str(inbox)], transcripts=True)] == ["c1.wav", "c2.txt", "c3.json", "c4.json"]
    assert [p.name for p in expand([str(inbox)])] == ["c1.wav"]  # `transcribe` takes recordings only
    found = {Path(r.url).name: r for r in discover(str(inbox))}
    assert sorted(found) == ["c1.wav", "c2.txt", "c3.json", "c4.json"]
    assert {k: found["c2.txt"].call_info.get(k) for k in ("agent_id", "team")} == {"agent_id": "A7", "team": "north"}
    assert found["c3.json"].call_info == {} and found["c3.json"].asr_model == "transcript:whisperx"
    assert found["c4.json"].call_id == "lost-card-0001" and found["c1.wav"].asr_model is None


def test_nightly_stores_transcripts_once_and_quarantines_a_bad_one(tmp_path, monkeypatch, card):
    from callscore.flows import scoring
    from callscore.flows.discover import Recording, discover
    from callscore.store import Store
    from callscore.store import repository as repo

    monkeypatch.setenv("CALLSCORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLSCORE_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    settings = Settings.from_env()
    inbox = inbox_with_sidecars(tmp_path)
    transcripts = [r for r in discover(str(inbox)) if r.asr_model]
    versions = scoring.expected_versions(settings, card)
    todo, skipped = scoring.plan(settings, transcripts, versions)
    assert (len(todo), skipped) == (3, 0)
    outcomes_ = [scoring.score_and_store(r, settings, card, None) for r in todo]
    assert [o.status for o in outcomes_] == ["scored"] * 3
    assert scoring.plan(settings, transcripts, versions) == ([], 3)  # scored with these versions: not again

    bad = inbox / "bad.json"
    bad.write_text('{"segments": [{"speaker": "agent", "start": 1, "text": "Hello, Acme Bank."}]}')
    outcome = scoring.score_and_store(Recording(str(bad), "0" * 64), settings, card, None)
    assert (outcome.status, outcome.reason) == ("failed", "bad segments transcript: segment 0: no 'end'")
    with Store(f"sqlite:///{tmp_path / 'store.db'}").session() as session:
        assert str(bad) in repo.quarantined(session)
        detail = repo.call_detail(session, "c2")
    assert detail["agent_id"] == "A7" and detail["result"]["audio"]["transcript"] == {"format": "text", "timed": True}


def test_review_page_of_a_transcript_has_no_player(env, scored):
    from review_helpers import client_for  # the review tests' login

    from callscore.store.repository import store_result

    with env["store"].session() as session, session.begin():
        for name in ("billing_untimed.txt", "segments_roles.json", "whisperx.json"):  # whisperx: nothing redacted
            store_result(session, scored[name], str(HERE / name), {"agent_id": "A1", "team": "Blue"})
    client = client_for(env, "ana")
    for call_id in ("billing_untimed", "lost-card-0001", "whisperx"):
        page = client.get(f"/calls/{call_id}")
        assert page.status_code == 200 and 'id="no-recording"' in page.text and "<audio" not in page.text
        # the source file is the unredacted transcript: never served as the call's "audio"
        assert client.get(f"/audio/{call_id}").status_code == 404
    assert "no times" in client.get("/calls/billing_untimed").text
    assert "Acme Bank" in client.get("/calls/lost-card-0001").text
