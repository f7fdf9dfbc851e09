"""Calls in Malay, Indonesian, Chinese, Urdu and Ukrainian (issue 16), the parts that do not depend on the
judge: which language a call is in, the speech model it gets, Chinese script, redaction of numbers said in
those languages and of their national ids, and holds announced in them. Sentences are hand-written."""
import json
import wave
from pathlib import Path

import pytest

from callscore import languages
from callscore.pipeline.redact import RedactionConfig, redact_text
from callscore.settings import Settings

DIGITS = {
    "ms": "kosong satu dua tiga empat lima enam tujuh lapan sembilan",
    "id": "nol satu dua tiga empat lima enam tujuh delapan sembilan",
    "zh": "零 一 二 三 四 五 六 七 八 九",
    "ur": "صفر ایک دو تین چار پانچ چھ سات آٹھ نو",
    "ur-latn": "sifar ek do teen char panch chay saat aath nau",
    "uk": "нуль один два три чотири п'ять шість сім вісім дев'ять",
}
CARD = "4532015112830366"  # passes Luhn, Visa prefix


def spoken(digits: str, language: str, sep: str = " ") -> str:
    words = DIGITS[language].split()
    return sep.join(words[int(d)] for d in digits)


def redact(text: str, language: str) -> tuple[str, list[str]]:
    return redact_text(text, RedactionConfig.for_language(language.split("-")[0]))


# ---------------------------------------------------------------- language of a call
def test_language_precedence_sidecar_then_setting_then_scorecard():
    assert languages.call_language("ms", "id", "zh") == "ms"
    assert languages.call_language(None, "id", "zh") == "id"
    assert languages.call_language(None, None, "zh") == "zh"
    assert languages.call_language(None, None, None) == "en"
    assert languages.call_language("", " ", "uk") == "uk"  # blank is not set
    assert languages.call_language("zh-CN", None, None) == "zh" and languages.call_language("cmn") == "zh"
    assert languages.call_language(None, "auto", "ms") == "auto"  # detection only when asked for


def test_settings_leave_the_language_unset_so_the_scorecard_can_name_it(monkeypatch):
    assert Settings().language is None  # was "en": a scorecard's `language: ms` could never apply
    monkeypatch.setenv("CALLSCORE_LANGUAGE", "auto")
    assert Settings.from_env().language == "auto"  # was None, indistinguishable from "not set"
    assert languages.for_call(Settings(), "ms").language == "ms"


def test_whisper_is_told_the_language_and_detects_only_on_auto():
    assert languages.whisper_language(None) == "en"
    assert languages.whisper_language("ms_MY") == "ms"
    assert languages.whisper_language("auto") is None


def test_english_only_model_is_swapped_for_the_multilingual_one():
    settings = Settings(asr_model="tiny.en")
    assert languages.for_call(settings, "ms").asr_model == "base"
    assert languages.for_call(settings, "en").asr_model == "tiny.en"
    assert languages.for_call(settings, None, "auto").asr_model == "base"  # detecting needs a multilingual model
    site_model = "/models/whisper-small-ct2"  # --model DIR: the site's choice, kept
    assert languages.for_call(Settings(asr_model=site_model), "ur").asr_model == site_model
    assert "English-only" in languages.model_note("tiny.en", "base", "ms")
    assert languages.model_note("base", "base", "ms") is None


def test_sidecar_language_is_read_beside_the_recording(tmp_path):
    audio = tmp_path / "call.wav"
    (tmp_path / "call.json").write_text(json.dumps({"agent_id": "A1", "language": "id"}))
    assert languages.sidecar_language(audio) == "id"
    assert languages.sidecar_language(tmp_path / "other.wav") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert languages.sidecar_language(tmp_path / "bad.wav") is None


def test_sidecar_language_is_kept_by_the_store_and_checked():
    from callscore.store.call_info import SidecarError, from_sidecar

    info, unknown = from_sidecar({"language": "ms", "queue": "billing"}, "call.json")
    assert info["meta"] == {"language": "ms"} and not unknown
    with pytest.raises(SidecarError, match="language"):
        from_sidecar({"language": "Malay; drop table"}, "call.json")


@pytest.fixture
def no_classifier(monkeypatch):
    """The calls below have no speech: only the classifier's version is read, so none is loaded."""
    from types import SimpleNamespace

    from callscore.models import phrases

    monkeypatch.setattr(phrases, "active", lambda *a, **k: SimpleNamespace(version="phrases-test"))
    monkeypatch.setattr(phrases, "active_version", lambda *a, **k: "phrases-test")


def test_result_says_the_speech_model_was_swapped_for_the_language(tmp_path, settings, no_classifier):
    from callscore.models import scorecards
    from callscore.pipeline.score import score_call

    path = tmp_path / "silent.wav"  # no speech: the result is built without running the speech model
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)
    (tmp_path / "silent.json").write_text(json.dumps({"language": "ms"}))
    card = scorecards.load(Path(__file__).resolve().parent.parent / "scorecards" / "default.yaml")
    versions = score_call(path, settings.model_copy(update={"asr_model": "tiny.en"}), card)["versions"]
    assert versions["asr_model"] == "base" and "English-only" in versions["asr_model_note"]


# ---------------------------------------------------------------- Chinese script
def test_chinese_output_is_simplified():
    assert languages.script_normalised("請稍等，我幫您查詢一下", "zh") == "请稍等，我帮您查询一下"
    assert languages.script_normalised("請稍等", "ms") == "請稍等"  # other languages untouched


def test_whisper_words_in_chinese_come_out_simplified():
    from types import SimpleNamespace

    from callscore.transcription.whisper import _words

    segment = SimpleNamespace(words=[SimpleNamespace(start=0.0, end=0.5, word=" 請稍等", probability=0.9)])
    assert [w.text for w in _words([segment], "ch0", 1.0, "zh")] == ["请稍等"]


def _turn(words: list[str]):
    from callscore.core.record import Turn, Word

    return Turn("agent", 0.0, len(words), [Word(i, i + 0.8, w, 1.0, "ch0") for i, w in enumerate(words)], "ch0")


def test_chinese_words_are_joined_without_spaces_and_sentences_end_at_full_width_stops():
    from callscore.pipeline.utterances import split_turn

    turn = _turn(["请", "稍等，", "我", "帮您", "查一下。", "谢谢", "您的", "耐心。"])  # Whisper's word pieces
    assert turn.text == "请稍等，我帮您查一下。谢谢您的耐心。"  # was "请 稍等， 我 帮您 ..."
    assert [u.text for u in split_turn(turn) if not u.combined] == ["请稍等，我帮您查一下。", "谢谢您的耐心。"]


def test_urdu_sentences_end_at_the_urdu_full_stop():
    from callscore.pipeline.utterances import split_turn

    turn = _turn(["براہ", "کرم", "انتظار", "کریں۔", "شکریہ", "OK?", "fine."])
    assert [u.text for u in split_turn(turn) if not u.combined] == ["براہ کرم انتظار کریں۔", "شکریہ OK?", "fine."]


# ---------------------------------------------------------------- redaction: spoken numbers
@pytest.mark.parametrize("language, sentence", [
    ("ms", "nombor kad saya {}"),
    ("id", "nomor kartu saya {}"),
    ("zh", "我的卡号是 {}"),
    ("ur", "میرا کارڈ نمبر {} ہے"),
    ("ur-latn", "mera card number {} hai"),
    ("uk", "номер картки {}"),
])
def test_card_number_spoken_in_the_language_is_masked(language, sentence):
    text, found = redact(sentence.format(spoken(CARD, language)), language)
    assert found == ["card_number"]
    assert not any(w in text for w in DIGITS[language].split())


def test_chinese_card_number_without_spaces_masks_the_number_only():
    text, found = redact("我的卡号是" + spoken(CARD, "zh", sep="") + "，谢谢", "zh")
    assert (text, found) == ("我的卡号是[CARD_NUMBER]，谢谢", ["card_number"])
    assert redact("卡号是" + spoken(CARD, "zh", sep="").replace("一", "幺").replace("零", "〇"), "zh")[1] == ["card_number"]


def test_phone_numbers_in_the_language_need_their_words():
    assert redact("nombor telefon saya " + spoken("0123456789", "ms"), "ms")[1] == ["phone_number"]
    assert redact("мій номер телефону " + spoken("0671234567", "uk"), "uk")[1] == ["phone_number"]
    assert redact("میرا فون نمبر ۰۳۰۰۱۲۳۴۵۶۷ ہے", "ur")[1] == ["phone_number"]  # Urdu digits read as 0-9


def test_english_rules_do_not_read_the_language_unless_asked():
    assert redact_text("nombor kad saya " + spoken(CARD, "ms"))[1] == []


def test_non_latin_words_no_longer_crash_redaction():
    # the tokeniser kept Latin letters only, and a word with none made it index an empty token list
    assert redact_text("привіт, це Олена")[0] == "привіт, це Олена"
    assert redact_text("— дякую")[0] == "— дякую"


@pytest.mark.parametrize("language, sentence", [
    ("ms", "harganya empat ratus lima puluh ringgit, saya ada dua anak dan tiga kucing"),
    ("id", "harganya dua ratus lima puluh ribu rupiah, tunggu lima menit ya"),
    ("zh", "这个套餐每月一百二十元，大概三四天到，请稍等一下"),
    ("ur", "اس کی قیمت پانچ سو روپے ہے اور دو دن لگیں گے"),
    ("ur-latn", "iski qeemat paanch sau rupay hai, do din lagenge"),
    ("uk", "це коштує двісті п'ятдесят гривень, дві кімнати і три вікна"),
])
def test_prices_and_counts_in_words_are_not_masked(language, sentence):
    assert redact(sentence, language) == (sentence, [])


# ---------------------------------------------------------------- redaction: national identifiers
@pytest.mark.parametrize("language, sentence", [
    ("ms", "nombor kad pengenalan saya 880512-14-5566"),  # "kad" (card) and the id named together
    ("ms", "IC saya " + spoken("880512145566", "ms")),
    ("ms", "880512-14-5566"),  # written as an NRIC and valid: no word needed
    ("id", "NIK saya 3174011505880001"),
    ("id", "nomor KTP saya " + spoken("3174011505880001", "id")),
    ("zh", "我的身份证号是11010519491231002X"),
    ("zh", "身份证号码 " + spoken("11010519491231002", "zh") + " X"),
    ("ur", "میرا شناختی کارڈ نمبر 35202-1234567-1 ہے"),
    ("ur", "CNIC " + spoken("3520212345671", "ur-latn")),
    ("uk", "мій РНОКПП 1759013776"),
    ("uk", "ідентифікаційний код " + spoken("1759013776", "uk")),
])
def test_national_id_is_masked(language, sentence):
    text, found = redact(sentence, language)
    assert found == ["national_id"], text
    assert not any(c.isdigit() for c in text)


@pytest.mark.parametrize("language, sentence", [
    ("ms", "nombor pesanan 880512145566"),  # an order number that happens to validate
    ("ms", "891332145566"),  # month 13: not an NRIC, no word says it is one
    ("id", "nomor pesanan 3174011505880001"),
    ("zh", "订单号11010519491231002X"),
    ("ur", "نمبر 3520212345671 ہے"),  # CNIC validation is weak: needs the word or its written form
    ("uk", "номер 1759013776"),  # one number in ten passes the RNTRC checksum: needs the word
])
def test_numbers_that_are_not_the_national_id_are_left(language, sentence):
    assert redact(sentence, language)[1] == []


def test_call_redaction_uses_the_call_language():
    from callscore.core.record import Turn, Word
    from callscore.pipeline.score import redact_turns

    words = ("nombor kad saya " + spoken(CARD, "ms")).split()
    turn = Turn("customer", 0.0, len(words), [Word(i, i + 0.5, w, 1.0, "ch1") for i, w in enumerate(words)], "ch1")
    found = redact_turns([turn], Settings(language="ms"))
    assert [r["type"] for r in found] == ["card_number"]
    assert turn.text == "nombor kad saya " + " ".join(["[CARD_NUMBER]"] * 16)


# ---------------------------------------------------------------- holds announced in the language
HOLDS = {
    "ms": ("Sila tunggu sebentar, saya semak akaun encik.", "Terima kasih kerana menunggu."),
    "id": ("Mohon ditunggu sebentar, saya cek dulu.", "Terima kasih sudah menunggu."),
    "zh": ("请稍等，我帮您查一下。", "谢谢您的耐心等待。"),
    "ur": ("براہ کرم انتظار کریں، میں چیک کرتا ہوں۔", "انتظار کرنے کا شکریہ۔"),
    "uk": ("Зачекайте, будь ласка, я перевірю.", "Дякую, що зачекали."),
}


def _hold_call(language: str, start_score: float, end_score: float):
    from callscore.core.record import CallRecord, Interval, Roles, Turn, Utterance, Word

    start, end = HOLDS[language]
    utterances = [Utterance("agent", 10, 13, start, "agent", {"hold_start": start_score}),
                  Utterance("agent", 40, 42, end, "agent", {"hold_end": end_score}),
                  Utterance("customer", 43, 45, "ok", "customer", {})]
    turns = [Turn(u.speaker, u.start, u.end, [Word(u.start, u.end, u.text, 1.0, u.speaker)], u.speaker)
             for u in utterances]
    activity = {"agent": [Interval(0, 13), Interval(40, 42)], "customer": [Interval(43, 45)]}
    return CallRecord("hold", {"path": "h.wav", "duration_s": 50.0, "sample_rate": 8000, "channels": 2}, "0" * 64,
                      language, turns, activity, Roles({"agent": "agent", "customer": "customer"}, 1.0, "test"),
                      "base", utterances)


@pytest.mark.parametrize("language", sorted(HOLDS))
def test_announced_hold_is_not_dead_air_once_the_judge_hears_it(language):
    """Hold detection is language-independent given the judge's hold_start/hold_end scores (>= 0.5)."""
    from callscore.checks.silence import find_dead_air, find_holds

    record = _hold_call(language, 0.9, 0.9)
    holds = find_holds(record)
    assert [(h.start, h.end) for h in holds] == [(13, 40)]
    assert find_dead_air(record, holds, 5.0) == []
    unheard = _hold_call(language, 0.1, 0.1)  # what today's English judge gives these sentences
    assert [(g.start, g.end) for g in find_dead_air(unheard, find_holds(unheard), 5.0)] == [(13, 40)]


@pytest.mark.parametrize("language", sorted(HOLDS))
def test_judge_hears_hold_announcements(language):
    """The multilingual judge (what a call in another language is judged by) scores holds with no scorecard."""
    from callscore.core.record import Utterance
    from callscore.models import multilingual

    start, end = (Utterance("agent", 0, 1, text, "agent") for text in HOLDS[language])
    multilingual.score_utterances([start, end], [])
    assert start.scores["hold_start"] >= 0.5 and end.scores["hold_end"] >= 0.5
    assert end.scores["hold_start"] < 0.5  # thanks for waiting is no announcement


def test_nightly_scores_a_call_in_its_sidecar_language_once(tmp_path, monkeypatch, no_classifier):
    """A recording whose sidecar says `ms` is scored with the multilingual model, and the next night's plan
    knows it is done (it compared with the inbox's tiny.en and scored it again every night)."""
    import shutil

    from callscore.flows import scoring
    from callscore.flows.discover import discover
    from callscore.models import scorecards

    inbox, home = tmp_path / "inbox", tmp_path / "home"
    inbox.mkdir()
    home.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "music.ogg", inbox / "call.ogg")  # no speech: no ASR run
    (inbox / "call.json").write_text(json.dumps({"agent_id": "A1", "language": "ms"}))
    monkeypatch.setenv("CALLSCORE_HOME", str(home))
    monkeypatch.setenv("CALLSCORE_DB_URL", f"sqlite:///{home / 'callscore.db'}")
    settings = Settings.from_env(asr_model="tiny.en")
    card = scorecards.load(settings.scorecard)
    [recording] = discover(str(inbox))
    assert scoring.score_and_store(recording, settings, card, None).status == "scored"
    assert scoring.plan(settings, [recording], scoring.expected_versions(settings, card)) == ([], 1)


def test_chinese_transcript_masks_the_number_not_the_sentence(tmp_path, monkeypatch):
    """A transcript's Chinese segment is one unspaced string: it was one 'word', masked whole."""
    from callscore.models import phrases
    from callscore.pipeline.score import read_call

    monkeypatch.setattr(phrases, "score_utterances", lambda *a, **k: None)  # judging is not what is tested
    monkeypatch.setattr(phrases, "active", lambda *a, **k: None)
    path = tmp_path / "zh.json"
    path.write_text(json.dumps({"language": "zh-CN", "segments": [
        {"speaker": "Agent", "start": 0.0, "end": 3.0, "text": "請問您的卡號是多少？"},
        {"speaker": "Customer", "start": 3.5, "end": 9.0, "text": "我的卡号是" + spoken(CARD, "zh", sep="") + "，谢谢。"}]}),
        encoding="utf-8")
    record = read_call(path, Settings())
    assert record.language == "zh"
    masked = "我的卡号是 " + " ".join(["[CARD_NUMBER]"] * 16) + "，谢谢。"  # the sentence's comma kept too
    assert [t.text for t in record.turns] == ["请问您的卡号是多少？", masked]
    assert [r["type"] for r in record.redactions] == ["card_number"]


def test_detected_language_drives_redaction_when_auto_was_asked_for(monkeypatch):
    """With `auto`, what Whisper detects is the call's language for redaction and the record (the redaction used
    to get the setting, 'auto', and read English only)."""
    from types import SimpleNamespace

    from callscore.models import phrases, registry
    from callscore.pipeline.score import transcribe_call

    said = ("nombor kad saya " + spoken(CARD, "ms")).split()

    class Malay:  # stands in for Whisper: hears Malay on every channel and says so
        def transcribe(self, audio, language=None, **options):
            assert language is None  # auto: not forced
            words = [SimpleNamespace(start=0.2 + 0.25 * i, end=0.4 + 0.25 * i, word=" " + w, probability=0.9)
                     for i, w in enumerate(said)]
            return [SimpleNamespace(start=0.2, end=words[-1].end, words=words)], SimpleNamespace(language="ms")

    monkeypatch.setattr(registry, "load_whisper", lambda settings: Malay())
    monkeypatch.setattr(phrases, "score_utterances", lambda *a, **k: None)
    monkeypatch.setattr(phrases, "active", lambda *a, **k: None)
    settings = Settings(language="auto", retry_words_per_s=0, channels="agent=0,customer=1")
    record = transcribe_call(Path(__file__).parent / "fixtures" / "card_call.ogg", settings)
    assert record.language == "ms"
    assert {r["type"] for r in record.redactions} == {"card_number"}
