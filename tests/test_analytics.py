"""QA analytics on a hand-built store (many hand-made result documents, no speech models): every SQL aggregate
equals a plain Python computation over the same known data, on SQLite and (with CALLSCORE_TEST_PG_URL) PostgreSQL."""
import math
import random
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from callscore.analytics import coaching, metrics, query, report, sampling, script, stats, targets, telephony
from callscore.analytics.query import Filters
from callscore.core import scorecard as scorecards
from callscore.review import demo
from callscore.store import Store
from callscore.store import repository as repo
from callscore.store.analytics_models import ActionItem, CallMetrics
from callscore.store.models import Result
from conftest import STORE_KINDS, empty_store_url

CARD = demo.default_card()
ITEMS = [item.id for item in CARD.items]
AGENTS = {"A1": "Blue", "A2": "Blue", "A3": "Blue", "B1": "Red", "B2": "Red", "G1": "Green", "G2": "Green"}
START = date(2026, 11, 2)  # Monday of 2026-W45; three weeks of calls
BASE_FAIL = 0.1
COACH_FAILS = {"A1": {"recap": 0.7, "closing": 0.45, "greeting": 0.35}}  # A1's weak items, worst first


def fail_probability(agent: str, item: str, day: date) -> float:
    if agent.startswith("G") and day >= START + timedelta(days=14):  # Green slips badly in W47
        return 0.45
    if item in ("recording_disclosure", "verify_identity"):
        return 0.04
    return COACH_FAILS.get(agent, {}).get(item, BASE_FAIL)


def make_calls(seed: int = 7) -> list[dict]:
    """The truth: per call its agent, team, time, machine outcomes, a human review for some, talk metrics."""
    rng = random.Random(seed)
    calls = []
    for offset in range(21):
        day = START + timedelta(days=offset)
        for agent, team in AGENTS.items():
            for k in range(2):
                machine = {item: "fail" if rng.random() < fail_probability(agent, item, day) else "pass" for item in ITEMS}
                machine["deflection"] = "not_applicable" if rng.random() < 0.3 else machine["deflection"]
                human = None
                if rng.random() < 0.25:  # a monitor reviews it and overturns one item now and then
                    human = dict(machine)
                    if rng.random() < 0.4:
                        item = rng.choice(["greeting", "recap", "closing", "ownership"])
                        human[item] = "pass" if human[item] == "fail" else "fail"
                holds = [{"start": 10.0 + 30 * h, "end": 10.0 + 30 * h + rng.uniform(5, 25)} for h in range(rng.randint(0, 2))]
                duration = rng.uniform(60, 600)
                calls.append({"call_id": f"{agent}-{offset:02d}-{k}", "agent": agent, "team": team,
                              "when": datetime.combine(day, datetime.min.time()) + timedelta(hours=9 + 3 * k, minutes=offset),
                              "machine": machine, "human": human, "holds": holds, "duration": duration,
                              "dead_air": [{"start": 5.0, "end": 5.0 + rng.uniform(0, 20)}],
                              "talk": {"overtalk_s": round(rng.uniform(0, 8), 2), "agent_talk_share": round(rng.uniform(0.3, 0.8), 3),
                                       "longest_monologue_s": round(rng.uniform(5, 90), 2)}})
    return calls


RECAP_WORDINGS = ("So to recap, I have refunded {n} pounds today.",
                  "Just to summarise, your refund of {n} pounds is on its way.",
                  "Let me go over what we agreed: a credit of {n} pounds.")
EARLY_TURN = 2  # a recap said here comes before identity verification (turn 3): out of order


def add_script_and_telephony(calls: list[dict], seed: int = 11) -> list[dict]:
    """Per call: the recap's wording and whether it came too early. Returns the telephony system's records: one per
    recorded call and some abandoned ones (Green's queue overflows in W47)."""
    rng = random.Random(seed)
    records = []
    for call in calls:
        call["recap_wording"] = rng.randrange(len(RECAP_WORDINGS))
        call["recap_text"] = RECAP_WORDINGS[call["recap_wording"]].format(n=rng.randint(5, 95))
        call["recap_early"] = rng.random() < 0.2
        records.append({"id": f"acd-{call['call_id']}", "call_id": call["call_id"], "when": call["when"] - timedelta(minutes=1),
                        "agent": call["agent"], "team": call["team"], "answered": True, "wait_s": round(rng.uniform(0, 120), 1),
                        "transfers": rng.choice([0, 0, 0, 1, 2]), "resolved": rng.choice([True, True, False, None])})
    for offset in range(21):
        day = START + timedelta(days=offset)
        for team in sorted(set(AGENTS.values())):
            overflow = team == "Green" and day >= START + timedelta(days=14)
            for k in range(6 if overflow else 1):
                records.append({"id": f"acd-ab-{team}-{offset}-{k}", "call_id": None, "agent": None, "team": team,
                                "when": datetime.combine(day, datetime.min.time()) + timedelta(hours=10, minutes=k),
                                "answered": False, "wait_s": round(rng.uniform(20, 300), 1), "transfers": 0, "resolved": None})
    return records


def turns_of(call: dict) -> list:
    turns = list(demo.STEREO_TURNS)
    index = EARLY_TURN if call["recap_early"] else 9
    speaker, start, end, _ = turns[index]
    turns[index] = ("agent", start, end, call["recap_text"])
    return turns


def write_telephony_csv(path, records: list[dict]) -> None:
    """The export with the aliases a real ACD might use (agent, abandoned, queue_wait_s, fcr)."""
    flag = {True: "yes", False: "no", None: ""}
    lines = ["call_ref,recording,start_time,agent,team,abandoned,queue_wait_s,transfers,fcr"]
    lines += [f"{r['id']},{r['call_id'] or ''},{r['when'].isoformat()},{r['agent'] or ''},{r['team']},"
              f"{flag[not r['answered']]},{r['wait_s']},{r['transfers']},{flag[r['resolved']]}" for r in records]
    path.write_text("\n".join(lines) + "\n")


def score_of(outcomes: dict) -> dict:
    return scorecards.score(CARD, outcomes)


STEP_TURNS = {"greeting": 0, "recording_disclosure": 1, "verify_identity": 3, "anything_else": 10, "closing": 12}


def fill(store: Store, calls: list[dict]) -> None:
    with store.session() as session, session.begin():
        reviewer = repo.add_user(session, "mona", "x", "monitor").id
        for call in calls:
            recap_turn = EARLY_TURN if call["recap_early"] else 9
            checks = {item: (outcome, 0.9, recap_turn if item == "recap" else STEP_TURNS.get(item, 0))
                      for item, outcome in call["machine"].items()}
            doc = demo.document(call["call_id"], CARD, checks, turns=turns_of(call), duration_s=call["duration"],
                                holds=call["holds"], dead_air=call["dead_air"])
            doc["talk"] = call["talk"]
            metrics.store_result(session, doc, f"/rec/{call['call_id']}.wav",
                              {"agent_id": call["agent"], "team": call["team"], "call_time": call["when"]})
            if call["human"]:
                decisions = {item: (outcome, "heard it") for item, outcome in call["human"].items()
                             if outcome != call["machine"][item]}
                repo.save_review(session, call["call_id"], reviewer, decisions, submit=True,
                                 final_percent=score_of(call["human"])["percent"])


@pytest.fixture(scope="module", params=STORE_KINDS)
def built(request, tmp_path_factory):
    store = Store(empty_store_url(request.param, tmp_path_factory.mktemp("analytics")))
    calls = make_calls()
    phone = add_script_and_telephony(calls)
    fill(store, calls)
    csv_path = tmp_path_factory.mktemp("acd") / "export.csv"
    write_telephony_csv(csv_path, phone)
    with store.session() as session, session.begin():
        assert telephony.import_csv(session, csv_path).errors == []
    yield store, calls, phone
    store.engine.dispose()


@pytest.fixture
def session(built):
    with built[0].session() as session, session.begin():
        yield session


def week_label(when: datetime) -> str:
    return query.week_of(when)


def selected(calls, filters: Filters):
    return [c for c in calls if (not filters.team or c["team"] == filters.team)
            and (not filters.agent or c["agent"] == filters.agent)
            and (not filters.since or c["when"] >= filters.since) and (not filters.until or c["when"] < filters.until)]


KEYS = {None: lambda c: "all", "agent": lambda c: c["agent"], "team": lambda c: c["team"],
        "week": lambda c: week_label(c["when"]), "day": lambda c: c["when"].date().isoformat(),
        "month": lambda c: c["when"].strftime("%Y-%m")}
FILTERS = [Filters(), Filters(team="Blue"), Filters(agent="B2", since=datetime(2026, 11, 9), until=datetime(2026, 11, 16))]


# ---- calls -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("by", [None, "agent", "team", "week", "day", "month"])
@pytest.mark.parametrize("filters", FILTERS)
def test_summary_equals_python(session, built, by, filters):
    groups = defaultdict(list)
    for call in selected(built[1], filters):
        groups[KEYS[by](call)].append(call)
    rows = {row["key"]: row for row in query.summary(session, filters, by)}
    assert set(rows) == set(groups)
    for key, calls in groups.items():
        row = rows[key]
        scores = [score_of(c["human"] or c["machine"])["percent"] for c in calls]
        assert row["calls"] == row["n"] == len(calls)
        assert row["reviewed"] == sum(bool(c["human"]) for c in calls)
        assert row["mean_score"] == pytest.approx(statistics.fmean(scores))
        assert row["auto_fail_rate"] == pytest.approx(sum(score_of(c["machine"])["auto_failed"] for c in calls) / len(calls))
        if len(scores) > 1:
            assert row["sd"] == pytest.approx(statistics.stdev(scores))
            assert row["ci_low"] < row["mean_score"] < row["ci_high"] or row["sd"] == 0


def test_interval_is_students_and_covers_the_true_mean():
    rng = random.Random(3)
    covered = 0
    for _ in range(400):
        values = [rng.gauss(80, 10) for _ in range(12)]
        mean = stats.mean_ci(len(values), sum(values), sum(v * v for v in values))
        covered += mean.low <= 80 <= mean.high
    assert 0.92 <= covered / 400 <= 0.98  # a 95 % interval covers the true mean about 95 % of the time
    from scipy import stats as sp
    values = [70.0, 85.0, 90.0, 60.0, 100.0]
    low, high = sp.t.interval(0.95, 4, loc=statistics.fmean(values), scale=sp.sem(values))
    mean = stats.mean_ci(5, sum(values), sum(v * v for v in values))
    assert (mean.low, mean.high) == (pytest.approx(low), pytest.approx(high))
    assert stats.mean_ci(1, 50.0, 2500.0).low is None and stats.mean_ci(0, None, None).mean is None


# ---- items -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("filters", FILTERS)
def test_item_fail_rates_use_the_human_outcome_where_reviewed(session, built, filters):
    expected = defaultdict(lambda: [0, 0])
    for call in selected(built[1], filters):
        for item, outcome in (call["human"] or call["machine"]).items():
            if outcome != "not_applicable":
                expected[item][0] += outcome == "fail"
                expected[item][1] += 1
    rows = {row["item"]: row for row in query.item_rates(session, filters)}
    assert {item: [r["fails"], r["applicable"]] for item, r in rows.items() if r["applicable"]} == dict(expected)
    for item, (fails, applicable) in expected.items():
        assert rows[item]["fail_rate"] == pytest.approx(fails / applicable)
    by_team = query.item_rates(session, filters, by="team")
    assert query.item_rates(session, filters, by="team", item="recap") == [r for r in by_team if r["item"] == "recap"]


def test_disagreement_counts_overridden_items_on_reviewed_calls(session, built):
    reviewed = [c for c in built[1] if c["human"]]
    changed = defaultdict(int)
    for call in reviewed:
        for item in ITEMS:
            changed[item] += call["human"][item] != call["machine"][item]
    rows = {row["item"]: row for row in query.disagreement(session)}
    assert all(rows[item]["reviewed"] == len(reviewed) for item in ITEMS)
    assert {item: rows[item]["changed"] for item in ITEMS} == dict(changed)
    by_team = query.disagreement(session, Filters(team="Red"), by="team")
    assert {r["key"] for r in by_team} == {"Red"}


# ---- talk metrics ----------------------------------------------------------------------------------

def numpy_quartiles(values):
    import numpy as np
    return list(np.percentile(values, [0, 25, 50, 75, 100]))


@pytest.mark.parametrize("by", [None, "team"])
def test_talk_metric_quartiles_equal_numpy(session, built, by):
    dist = query.talk_distribution(session, Filters(), by)
    for metric, pick in {"handle_s": lambda c: c["duration"],
                         "hold_s": lambda c: sum(h["end"] - h["start"] for h in c["holds"]),
                         "hold_count": lambda c: len(c["holds"]),
                         "dead_air_share": lambda c: (c["dead_air"][0]["end"] - c["dead_air"][0]["start"]) / c["duration"],
                         "agent_talk_share": lambda c: c["talk"]["agent_talk_share"],
                         "longest_monologue_s": lambda c: c["talk"]["longest_monologue_s"]}.items():
        groups = defaultdict(list)
        for call in built[1]:
            groups[KEYS[by](call)].append(pick(call))
        rows = {row["key"]: row for row in dist[metric]}
        assert set(rows) == set(groups)
        for key, values in groups.items():
            assert rows[key]["n"] == len(values)
            assert rows[key]["mean"] == pytest.approx(statistics.fmean(values))
            assert rows[key]["quartiles"] == pytest.approx(numpy_quartiles(values))


def test_quartiles_of_tiny_groups():
    for n in range(1, 6):
        values = [float(v * v) for v in range(n)]
        assert stats.quartiles(n, dict(enumerate(values))) == pytest.approx(numpy_quartiles(values))


def test_backfill_fills_metrics_for_results_stored_before_the_table(session):
    session.execute(CallMetrics.__table__.delete().where(CallMetrics.result_id.in_(select(Result.id).limit(3))))
    from callscore.analytics.metrics import backfill
    assert backfill(session) == 3
    assert backfill(session) == 0
    session.rollback()


# ---- trends ----------------------------------------------------------------------------------------

def test_trend_flags_a_real_shift_and_not_noise(session):
    shift = {c.metric: c for c in query.trend(session, Filters(team="Green"), "2026-W46", "2026-W47")}
    assert shift["mean_score"].significant and shift["mean_score"].delta < -10
    steady = {c.metric: c for c in query.trend(session, Filters(team="Blue"), "2026-W45", "2026-W46")}
    assert not steady["mean_score"].significant and not steady["auto_fail_rate"].significant
    items = {r["item"]: r for r in query.compare_items(query.item_rates(session, Filters(team="Green").for_week("2026-W46")),
                                                       query.item_rates(session, Filters(team="Green").for_week("2026-W47")))}
    assert items["recap"]["significant"] and items["recap"]["delta"] > 0


def test_trend_tests_fire_about_five_percent_of_the_time_on_noise():
    rng = random.Random(11)
    fired_t = fired_z = 0
    for _ in range(400):
        a, b = ([rng.gauss(80, 12) for _ in range(30)] for _ in range(2))
        means = [stats.mean_ci(30, sum(v), sum(x * x for x in v)) for v in (a, b)]
        fired_t += stats.welch_p(*means) < 0.05
        x1, x2 = (sum(rng.random() < 0.1 for _ in range(200)) for _ in range(2))
        fired_z += stats.two_proportion_p(x1, 200, x2, 200) < 0.05
    assert fired_t / 400 < 0.09 and fired_z / 400 < 0.09
    assert stats.two_proportion_p(10, 200, 40, 200) < 0.001


# ---- targets and action items -----------------------------------------------------------------------

def test_a_breach_opens_an_action_item_that_stays_until_resolved(session):
    green = targets.add_target(session, "qa_score", ">=", 85, team="Green", min_calls=5)
    targets.add_target(session, "qa_score", ">=", 1, team="Blue", min_calls=5)  # met: nothing opens
    opened = targets.evaluate(session, "2026-W47")
    assert [item.target_id for item in opened] == [green.id]
    item = opened[0]
    summary = query.overall(session, Filters(team="Green").for_week("2026-W47"))
    assert item.value == pytest.approx(summary["mean_score"]) and item.value < 85
    assert item.evidence["calls"] == summary["calls"] and item.evidence["items"][0]["fail_rate"] >= 0.3
    assert {a["agent"] for a in item.evidence["agents"]} == {"G1", "G2"}
    assert targets.evaluate(session, "2026-W47") == []  # re-evaluating does not duplicate
    assert [row["id"] for row in targets.action_items(session)] == [item.id]
    with pytest.raises(targets.TargetError):
        targets.resolve(session, item.id, None, "  ")
    targets.resolve(session, item.id, None, "Team huddle on recap and closing; daily side-by-side for G1")
    assert targets.action_items(session) == []
    assert targets.action_items(session, status="resolved")[0]["action_taken"].startswith("Team huddle")
    session.rollback()


def test_too_few_calls_are_not_judged(session):
    targets.add_target(session, "qa_score", ">=", 99, team="Green", min_calls=1000)
    assert targets.evaluate(session, "2026-W47") == []
    with pytest.raises(targets.TargetError):
        targets.add_target(session, "mood", ">=", 1)
    session.rollback()


def test_an_abandon_rate_target_opens_on_the_overflowing_team_only(session, built):
    green = targets.add_target(session, "abandon_rate", "<", 5, team="Green", min_calls=5)
    targets.add_target(session, "abandon_rate", "<", 50, team="Blue", min_calls=5)
    opened = targets.evaluate(session, "2026-W47")
    assert [item.target_id for item in opened] == [green.id]
    records = [r for r in built[2] if r["team"] == "Green" and week_label(r["when"]) == "2026-W47"]
    abandoned = sum(not r["answered"] for r in records)
    assert opened[0].value == pytest.approx(100 * abandoned / len(records))
    assert opened[0].evidence["calls"] == len(records) and opened[0].evidence["abandoned"] == abandoned
    session.rollback()


# ---- telephony KPIs -----------------------------------------------------------------------------------

def records_in(records, filters: Filters):
    return [r for r in records if (not filters.team or r["team"] == filters.team)
            and (not filters.agent or r["agent"] == filters.agent)
            and (not filters.since or r["when"] >= filters.since) and (not filters.until or r["when"] < filters.until)]


@pytest.mark.parametrize("by", [None, "team", "agent", "week"])
@pytest.mark.parametrize("filters", FILTERS[:2] + [Filters(since=datetime(2026, 11, 16), until=datetime(2026, 11, 23))])
def test_telephony_kpis_equal_python(session, built, by, filters):
    key = {None: lambda r: "all", "team": lambda r: r["team"], "agent": lambda r: r["agent"],
           "week": lambda r: week_label(r["when"])}[by]
    groups = defaultdict(list)
    for record in records_in(built[2], filters):
        groups[key(record)].append(record)
    rows = {row["key"]: row for row in telephony.kpis(session, filters, by=by)}
    assert set(rows) == set(groups)
    for name, records in groups.items():
        row, answered = rows[name], [r for r in records if r["answered"]]
        known = [r["resolved"] for r in records if r["resolved"] is not None]
        assert row["offered"] == len(records) and row["abandoned"] == len(records) - len(answered)
        assert row["abandon_rate"] == pytest.approx((len(records) - len(answered)) / len(records))
        assert row["asa_s"] == (pytest.approx(statistics.mean(r["wait_s"] for r in answered)) if answered else None)
        assert row["queue_wait_s"] == pytest.approx(statistics.mean(r["wait_s"] for r in records))
        assert row["transfer_rate"] == (pytest.approx(sum(r["transfers"] > 0 for r in answered) / len(answered))
                                        if answered else None)
        assert row["fcr_rate"] == (pytest.approx(sum(known) / len(known)) if known else None)


def test_import_skips_bad_rows_with_their_line_and_reimport_updates(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    export = tmp_path / "acd.csv"
    export.write_text("id,started_at,answered,wait_s,transfers,team\n"
                      "c1,2026-11-16T09:00:00,yes,12.5,1,Blue\n"
                      "c2,16/11/2026 09:05,yes,3,0,Blue\n"
                      "c3,2026-11-16T09:07:00,maybe,3,0,Blue\n"
                      "c4,2026-11-16T09:09:00,no,-4,0,Blue\n"
                      "c5,2026-11-16T09:11:00,no,40,0,Blue\n")
    with store.session() as session, session.begin():
        result = telephony.import_csv(session, export)
    assert result.imported == 2
    assert [e.split(": ", 1)[0] for e in result.errors] == [f"{export} line {n}" for n in (3, 4, 5)]
    assert "started_at" in result.errors[0] and "answered" in result.errors[1] and "wait_s" in result.errors[2]
    export.write_text("id,started_at,answered,wait_s\nc1,2026-11-16T09:00:00,yes,20\n")
    with store.session() as session, session.begin():
        telephony.import_csv(session, export)
        kpis = telephony.overall(session)
    assert kpis["offered"] == 2 and kpis["asa_s"] == pytest.approx(20.0) and kpis["abandon_rate"] == pytest.approx(0.5)
    store.engine.dispose()


def test_a_call_without_a_time_is_filed_when_stored_until_its_time_is_known(tmp_path):
    from callscore.store.models import Call

    store = Store(f"sqlite:///{tmp_path / 'filed.db'}")
    with store.session() as session, session.begin():
        metrics.store_result(session, demo.document("late-1", CARD), "/rec/late-1.wav")
        first = session.get(Call, "late-1").filed_at
        assert first is not None and abs((datetime.utcnow() - first).total_seconds()) < 60
        metrics.store_result(session, demo.document("late-1", CARD, sha256="e" * 64), "/rec/late-1.wav",
                          {"call_time": datetime(2026, 11, 3, 8)})
        session.expire_all()
        assert session.get(Call, "late-1").filed_at == datetime(2026, 11, 3, 8)
    store.engine.dispose()


def test_a_sidecar_with_queue_figures_becomes_the_recordings_telephony_record(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'side.db'}")
    with store.session() as session, session.begin():
        metrics.store_result(session, demo.document("side-1", CARD), "/rec/side-1.wav",
                          {"agent_id": "A9", "team": "Teal", "call_time": datetime(2026, 11, 17, 9),
                           "meta": {"wait_s": 42, "transfers": 1, "resolved": "yes"}})
        metrics.store_result(session, demo.document("side-2", CARD), "/rec/side-2.wav", {"meta": {"customer_tier": "gold"}})
        rows = telephony.kpis(session, by="agent")
    assert rows == [{"key": "A9", "offered": 1, "answered": 1, "abandoned": 0, "abandon_rate": 0.0, "asa_s": 42.0,
                     "queue_wait_s": 42.0, "transfer_rate": 1.0, "fcr_rate": 1.0, "fcr_known": 1}]
    store.engine.dispose()


# ---- script insight ---------------------------------------------------------------------------------

def test_script_steps_count_missed_and_out_of_order(session, built):
    rows = {row["item"]: row for row in script.steps(session)}
    assert set(rows) == set(CARD.script)
    final = lambda c, item: (c["human"] or c["machine"])[item]  # noqa: E731
    for item in CARD.script:
        assert rows[item]["as_step"] == len(built[1])
        assert rows[item]["fails"] == sum(final(c, item) == "fail" for c in built[1])
    found = lambda c, item: c["machine"][item] == "pass"  # noqa: E731 (order is the machine's, from the evidence)
    swapped = [c for c in built[1] if c["recap_early"] and found(c, "recap") and found(c, "verify_identity")]
    assert rows["recap"]["out_of_order"] == rows["verify_identity"]["out_of_order"] == len(swapped) > 0
    assert rows["closing"]["out_of_order"] == 0
    ranked = [row["fail_rate"] for row in script.steps(session)]
    assert ranked == sorted(ranked, reverse=True)


def test_phrasings_group_the_recap_wordings(session, built):
    passed = [c for c in built[1] if c["machine"]["recap"] == "pass"]
    clusters = script.phrasings(session, Filters(), "recap")["clusters"]
    assert len(clusters) == len(RECAP_WORDINGS)
    expected = sorted((sum(c["recap_wording"] == w for c in passed) for w in range(len(RECAP_WORDINGS))), reverse=True)
    assert [c["calls"] for c in clusters] == expected
    for cluster in clusters:
        wording = next(c["recap_wording"] for c in passed if c["call_id"] == cluster["examples"][0]["call_id"])
        assert cluster["phrase"].split()[:3] == RECAP_WORDINGS[wording].split()[:3]


# ---- sampling ---------------------------------------------------------------------------------------

def test_sampling_is_reproducible_per_agent_and_marks_the_queue(session, built):
    first = sampling.sample_week(session, "2026-W46", per_agent=(4, 8), seed="s1")
    assert set(first) == set(AGENTS)
    for agent, call_ids in first.items():
        assert 4 <= len(call_ids) <= 8
        assert all(c["agent"] == agent and week_label(c["when"]) == "2026-W46"
                   for c in built[1] if c["call_id"] in call_ids)
    assert sampling.sample_week(session, "2026-W46", per_agent=(4, 8), seed="s1") == first  # stored: same again
    pool = sorted(c["call_id"] for c in built[1] if c["agent"] == "A1" and week_label(c["when"]) == "2026-W46")
    assert sampling.draw("2026-W46", "A1", pool, (4, 8), "s1") == first["A1"]  # reproducible from its inputs
    assert sampling.draw("2026-W46", "A1", pool, (4, 8), "s2") != first["A1"]
    assert sampling.draw("2026-W46", "A1", pool[:2], (4, 8), "s1") == pool[:2]
    flagged = {row["call_id"] for row in repo.list_calls(session, flag="sampled")}
    assert flagged == {c for ids in first.values() for c in ids}
    assert all(row["state"] != "provisional" for row in repo.list_calls(session, flag="sampled"))
    session.rollback()


def test_a_rescored_sampled_call_keeps_its_sample_flag(session, built):
    call_id = sampling.sample_week(session, "2026-W45", per_agent=(4, 4))["B1"][0]
    doc = demo.document(call_id, CARD, {item: ("pass", 0.95, 0) for item in ITEMS}, sha256="f" * 64, dead_air=[])
    metrics.store_result(session, doc, "/rec/new.wav", {})
    assert "sampled" in repo.current_result(session, call_id).flags
    session.rollback()


# ---- coaching ---------------------------------------------------------------------------------------

def test_coaching_items_rank_the_agents_weak_items_against_the_team(session, built):
    rows = coaching.coaching_items(session, "A1")
    assert [r["item"] for r in rows[:3]] == list(COACH_FAILS["A1"])  # recap, closing, greeting
    top = rows[0]
    outcomes = [(c["human"] or c["machine"])["recap"] for c in built[1] if c["agent"] == "A1"]
    team = [(c["human"] or c["machine"])["recap"] for c in built[1] if c["team"] == "Blue" and c["agent"] != "A1"]
    assert top["fail_rate"] == pytest.approx(outcomes.count("fail") / len(outcomes))
    assert top["team_rate"] == pytest.approx(team.count("fail") / len(team))
    assert top["p"] < 0.001
    assert top["examples"] and all(e["url"].startswith(f"/calls/{e['call_id']}#t=") for e in top["examples"])
    assert [t["week"] for t in top["trend"]] == ["2026-W45", "2026-W46", "2026-W47"]


def test_a_coaching_session_shows_whether_items_improved(session):
    entry = coaching.record_session(session, "G1", date(2026, 11, 16), ["recap", "greeting"], "listen back together")
    effect = {row["item"]: row for row in coaching.effect(session, entry, window_days=14)}
    assert effect["recap"]["after"] > effect["recap"]["before"] and not effect["recap"]["improved"]
    assert effect["recap"]["after_n"] == 14 and effect["recap"]["before_n"] > 0
    assert [s.id for s in coaching.sessions(session, "G1")] == [entry.id]
    session.rollback()


# ---- pages and the report CLI -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def web(built, tmp_path_factory):
    import re

    from starlette.testclient import TestClient

    from callscore.review.app import create_app
    from callscore.review.auth import hash_password
    from callscore.settings import Settings

    store = built[0]
    with store.session() as session, session.begin():
        for name, role, agent in (("lea", "lead", None), ("moe", "monitor", None), ("al", "agent", "A1")):
            repo.add_user(session, name, hash_password("pw-" + name), role, agent)
    home = tmp_path_factory.mktemp("web")
    app = create_app(store, Settings(home=home / "home", cache_dir=home / "cache"))

    def login(name):
        client = TestClient(app)
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": name, "password": "pw-" + name, "csrf_token": token})
        client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/queue").text).group(1)
        return client
    return login


def test_pages_render_for_a_lead(web):
    lead = web("lea")
    for url in ("/analytics", "/analytics/teams/Blue", "/analytics/agents/A1", "/analytics/items/recap",
                "/analytics/report?period=week&at=2026-W47", "/analytics/script", "/analytics/targets", "/analytics?since=2026-11-09&until=2026-11-15"):
        response = lead.get(url)
        assert response.status_code == 200, url
        assert "<svg" in response.text or url == "/analytics/targets"
    assert "/calls/A1-" in lead.get("/analytics/agents/A1").text  # example moments link to the call page
    assert lead.get("/analytics/report.json?at=2026-W47").json()["label"] == "2026-W47"


def test_targets_and_coaching_over_http(web, built):
    lead = web("lea")
    assert lead.post("/analytics/targets", data={"metric": "qa_score", "comparator": ">=", "threshold": "99",
                                                 "team": "Red", "min_calls": "5", "csrf_token": lead.csrf}).status_code == 200
    lead.post("/analytics/evaluate", data={"week": "2026-W46", "csrf_token": lead.csrf})
    with built[0].session() as session:
        item = session.scalar(select(ActionItem).where(ActionItem.week == "2026-W46", ActionItem.status == "open"))
    assert item is not None and "Red: qa score" in lead.get("/analytics/targets").text
    lead.post(f"/analytics/actions/{item.id}/resolve", data={"action_taken": "refresher on disclosure", "csrf_token": lead.csrf})
    with built[0].session() as session:
        assert session.get(ActionItem, item.id).status == "resolved"
    lead.post("/analytics/agents/A2/coaching", data={"held_on": "2026-11-10", "items": ["recap"], "notes": "side by side",
                                                      "csrf_token": lead.csrf})
    assert "side by side" in lead.get("/analytics/agents/A2").text
    monitor = web("moe")
    assert monitor.post("/analytics/evaluate", data={"week": "2026-W46", "csrf_token": monitor.csrf}).status_code == 403


def test_a_team_with_few_calls_says_so_instead_of_drawing(web, built):
    with built[0].session() as session, session.begin():
        for n in range(2):
            metrics.store_result(session, demo.document(f"tiny-{n}", CARD), f"/rec/tiny-{n}.wav",
                              {"agent_id": "T1", "team": "Tiny", "call_time": datetime(2026, 10, 5 + n, 9)})
    page = web("lea").get("/analytics/teams/Tiny?since=2026-10-01&until=2026-10-31").text
    assert "Not enough calls (2)" in page and "Not enough calls for a trend" in page
    assert 'aria-label="QA score trend"' not in page


def test_an_agent_sees_only_their_own_page(web):
    agent = web("al")
    assert agent.get("/analytics/agents/A1").status_code == 200
    for url in ("/analytics/agents/A2", "/analytics", "/analytics/teams/Blue", "/analytics/report", "/analytics/targets"):
        assert agent.get(url).status_code == 403, url


def test_report_cli_writes_json_and_html(built, tmp_path, capsys):
    import argparse
    import json

    from callscore.analytics import cli

    parser = argparse.ArgumentParser()
    cli.add_parsers(parser.add_subparsers(dest="command"))
    url = str(built[0].url)
    args = parser.parse_args(["report", "--period", "week", "--at", "2026-W47", "--format", "json", "--db", url])
    assert args.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["centre"]["calls"] == sum(1 for c in built[1] if week_label(c["when"]) == "2026-W47")
    assert {t["key"] for t in data["teams"]} == set(AGENTS.values())
    green = next(t for t in data["teams"] if t["key"] == "Green")
    assert next(c for c in green["changes"] if c["metric"] == "mean_score")["significant"]
    out = tmp_path / "report.html"
    args = parser.parse_args(["report", "--at", "2026-W47", "--format", "html", "--out", str(out), "--db", url])
    assert args.run(args) == 0
    assert "QA report · 2026-W47" in out.read_text() and "<svg" in out.read_text()
    import csv

    out = tmp_path / "report.csv"
    args = parser.parse_args(["report", "--at", "2026-W47", "--format", "csv", "--out", str(out), "--db", url])
    assert args.run(args) == 0
    rows = {(r["level"], r["key"]): r for r in csv.DictReader(out.read_text().splitlines())}
    week = [c for c in built[1] if week_label(c["when"]) == "2026-W47"]
    assert {key for level, key in rows if level == "team"} == set(AGENTS.values())
    assert {key for level, key in rows if level == "agent"} == set(AGENTS)
    assert int(rows["centre", "all"]["calls"]) == len(week)
    a1 = [c for c in week if c["agent"] == "A1"]
    recap_fails = [(c["human"] or c["machine"])["recap"] == "fail" for c in a1]
    assert float(rows["agent", "A1"]["fail_rate:recap"]) == pytest.approx(sum(recap_fails) / len(a1), abs=1e-4)
    green = [r for r in built[2] if r["team"] == "Green" and week_label(r["when"]) == "2026-W47"]
    assert int(rows["team", "Green"]["offered"]) == len(green)
