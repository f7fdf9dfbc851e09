"""What redaction needs to know of each language beyond English (issue 16): how digits are said, the words
that say what a number is (card, phone, identity card...), and the national identifiers of the country.

The recognisers (pipeline/redaction/recognisers/) read English. A call in another language is brought to
them word by word: a number word becomes the English one ("empat" -> "four", "四" -> "four", "нуль" ->
"zero"), so the card, phone and id rules that work on "four one one one" work unchanged, including English
words said in the same call (code-switching). The masks land on the original words: only the recognisers
see the translation.

Number words for tens and hundreds ("puluh", "ratus", "十", "百") are left as they are: they break a
digit run, so a price or a quantity said in words ("empat ratus lima puluh ringgit") never becomes a
digit string, as English "four hundred and fifty pounds" is kept apart from digits read out one by one.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from callscore.languages import normalise

EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _digit_words(*spellings: str) -> dict[str, str]:
    """'kosong sifar nol|satu|dua...' (one group per digit, 0-9) -> word -> English digit word."""
    return {word: EN_DIGITS[d] for d, group in enumerate(spellings) for word in group.split()}


@dataclass(frozen=True)
class NationalId:
    """One country's identifier: how many digits, how it is written, what validates it."""
    name: str
    length: int
    valid: Callable[[str], bool]
    written_groups: tuple[int, ...]  # digits between separators when written (NRIC 880512-14-5566: 6, 2, 4)
    needs_cue: bool  # validation alone is weak (a checksum one number in ten passes): only where it is named
    check_letter: str = ""  # a last character that may be a letter (China's resident id ends in X)


@dataclass(frozen=True)
class Locale:
    code: str
    numbers: dict[str, str]  # word -> English number word
    topics: list[tuple[str, str]]  # (topic of context.TOPICS, regex over this language's words)
    ids: tuple[NationalId, ...] = ()
    split_characters: bool = False  # written without spaces (Chinese): numbers and cue words are found inside a word


def _stdnum(module: str) -> Callable[[str], bool]:
    def valid(number: str) -> bool:
        import importlib

        return importlib.import_module(f"stdnum.{module}").is_valid(number)
    return valid


MALAY_INDONESIAN_NUMBERS = _digit_words("kosong sifar nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh",
                                        "lapan delapan", "sembilan") | {"sepuluh": "ten", "sebelas": "eleven"}
MS_ID_TOPICS = [
    ("card", r"kad|kartu|kad kredit|kad debit|kartu kredit|kartu debit|nombor kad|nomor kartu"),
    ("security", r"kod keselamatan|kode keamanan|tiga digit( terakhir)?|(di )?belakang kad|(di )?belakang kartu"),
    ("phone", r"telefon|telepon|handphone|ponsel|nombor (telefon|hp|handphone)|nomor (telepon|hp|ponsel)|hp"),
    ("account", r"akaun|rekening|nombor akaun|nomor rekening"),
    ("neg", r"pesanan|rujukan|referensi|tiket|invois|faktur|resit|struk|aduan|keluhan"),
    ("price", r"ringgit|rm|rupiah|rp|harga|harganya|bayar|bayaran|jumlah|sen|ribu|juta"),
    ("time", r"minit|menit|jam|hari|minggu|bulan|tahun|pukul|pagi|petang|sore|malam"),
]
CHINESE_NUMBERS = _digit_words("零 〇", "一 幺", "二 两", "三", "四", "五", "六", "七", "八", "九")
URDU_NUMBERS = _digit_words("صفر sifar sifr", "ایک aik ek", "دو do", "تین teen", "چار char chaar", "پانچ panch paanch",
                            "چھ چھے chay chhe chhay", "سات saat", "آٹھ aath", "نو nau")
# Ukrainian cardinals agree in gender and case ("одна", "одну", "двох"); a card is read in digits or pairs
UKRAINIAN_NUMBERS = _digit_words("нуль ноль", "один одна одне одну", "два дві", "три", "чотири", "пять", "шість",
                                 "сім", "вісім", "девять") | {
    "десять": "ten", "одинадцять": "eleven", "дванадцять": "twelve", "тринадцять": "thirteen",
    "чотирнадцять": "fourteen", "пятнадцять": "fifteen", "шістнадцять": "sixteen", "сімнадцять": "seventeen",
    "вісімнадцять": "eighteen", "девятнадцять": "nineteen", "двадцять": "twenty", "тридцять": "thirty",
    "сорок": "forty", "пятдесят": "fifty", "шістдесят": "sixty", "сімдесят": "seventy", "вісімдесят": "eighty",
    "девяносто": "ninety"}


def _cn_ric_valid(number: str) -> bool:
    return _stdnum("cn.ric")(number)


LOCALES: dict[str, Locale] = {locale.code: locale for locale in (
    Locale("ms_MY", MALAY_INDONESIAN_NUMBERS, MS_ID_TOPICS + [
        ("national", r"ic|i c|kad pengenalan|mykad|my kad|nric|no kp|nombor kp|nombor ic|no ic")],
        (NationalId("nric", 12, _stdnum("my.nric"), (6, 2, 4), needs_cue=False),)),
    Locale("id_ID", MALAY_INDONESIAN_NUMBERS, MS_ID_TOPICS + [
        ("national", r"nik|n i k|ktp|k t p|e ?ktp|nomor induk( kependudukan)?|kartu tanda penduduk")],
        (NationalId("nik", 16, _stdnum("id.nik"), (16,), needs_cue=False),)),
    Locale("zh_CN", CHINESE_NUMBERS, [
        ("card", r"卡号|银行卡|信用卡|借记卡|储蓄卡|卡"),
        ("security", r"安全码|验证码|卡背面|背面"),
        ("expiry", r"有效期|到期"),
        ("phone", r"电话|手机|手机号|联系方式|号码"),
        ("account", r"账户|账号|帐户|帐号"),
        ("national", r"身份证|身份证号|证件号"),
        ("neg", r"订单|单号|工单|快递|物流|发票|编号"),
        ("price", r"元|块|块钱|价格|费用|金额|人民币|毛|角"),
        ("time", r"点|分钟|小时|天|星期|月|年|号|今天|明天|昨天")],
        (NationalId("ric", 18, _cn_ric_valid, (18,), needs_cue=False, check_letter="x"),), split_characters=True),
    Locale("ur_PK", URDU_NUMBERS, [
        ("card", r"کارڈ|کریڈٹ|ڈیبٹ|card"),
        ("phone", r"فون|موبائل|نمبر پر|fone|mobile"),
        ("account", r"اکاؤنٹ|کھاتہ|account"),
        ("national", r"شناختی کارڈ|شناختی|شناخت|cnic|c n i c|shanakhti|nadra|نادرا"),
        ("neg", r"آرڈر|آرڈر نمبر|ریفرنس|ٹکٹ|شکایت"),
        ("price", r"روپے|روپیہ|روپ|قیمت|rupay|rupees|rs|بل"),
        ("time", r"منٹ|گھنٹے|دن|ہفتے|مہینے|سال|بجے")],
        (NationalId("cnic", 13, _stdnum("pk.cnic"), (5, 7, 1), needs_cue=True),)),
    Locale("uk_UA", UKRAINIAN_NUMBERS, [
        ("card", r"карт\w*"),
        ("security", r"cvv|код безпеки|три цифри|на звороті"),
        ("expiry", r"термін дії|дійсна до"),
        ("phone", r"телефон\w*|мобільн\w*|номер телефону"),
        ("account", r"рахун\w*|iban"),
        ("national", r"рнокпп|іпн|ідентифікаційн\w*|податков\w* номер|код платника"),
        ("neg", r"замовлен\w*|квитанц\w*|накладн\w*|договір|договору|заявк\w*|звернен\w*"),
        ("price", r"грив\w*|грн|ціна|коштує|вартість|сума|копій\w*"),
        ("time", r"хвилин\w*|годин\w*|днів|день|тижн\w*|місяц\w*|рок\w*")],
        (NationalId("rntrc", 10, _stdnum("ua.rntrc"), (10,), needs_cue=True),)),
)}
LANGUAGE_LOCALES = {"ms": "ms_MY", "id": "id_ID", "zh": "zh_CN", "ur": "ur_PK", "uk": "uk_UA"}
_APOSTROPHES = str.maketrans("", "", "'’ʼ`")


def locales_for(language: str | None, base: tuple[str, ...]) -> tuple[str, ...]:
    """The English locales (a call keeps its English words) plus the call language's one, if known."""
    extra = LANGUAGE_LOCALES.get(normalise(language) or "")
    return base + (extra,) if extra and extra not in base else base


def active(locales: tuple[str, ...]) -> list[Locale]:
    return [LOCALES[code] for code in locales if code in LOCALES]


def _ascii_digits(text: str) -> str:
    """Urdu/Arabic-Indic (۴۱۱۱) and full-width (４１) digits as 0-9: the detector's patterns are ASCII."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text)


@functools.cache
def _split_pattern(code: str) -> re.Pattern:
    """Number characters and cue words inside unspaced text, longest cue first."""
    locale = LOCALES[code]
    cues = sorted({alt for _, pattern in locale.topics for alt in pattern.split("|")}, key=len, reverse=True)
    return re.compile("|".join(cues + [re.escape(c) for c in locale.numbers]))


def normalise_word(word: str, locales: list[Locale]) -> str:
    """A word as the English detector should read it: number words in English, digits in ASCII; for text
    without spaces, numbers and cue words set apart by spaces. Trailing punctuation is kept (it ends a run)."""
    word = _ascii_digits(word)
    for locale in locales:
        if locale.split_characters:
            pattern = _split_pattern(locale.code)
            word = pattern.sub(lambda m: f" {locale.numbers.get(m.group(0), m.group(0))} ", word).strip()
            continue
        core = word.strip().strip(".,?!;:\"“”‘’…()[]{}،۔؟")
        key = core.lower().translate(_APOSTROPHES)
        if key in locale.numbers:
            word = word.replace(core, locale.numbers[key], 1)
    return word


def pieces(text: str, locales: list[Locale]) -> list[str]:
    """Free text cut into the pieces that are masked or kept whole, spaces kept as pieces. Unspaced text
    (Chinese) is cut where a run of number characters starts and ends, so "我的卡号是四一一一..." masks the
    number and keeps "我的卡号是"."""
    digits = "".join(c for locale in locales if locale.split_characters for c in locale.numbers)
    if not digits:
        return re.split(r"(\s+)", text)
    number = f"[0-9{re.escape(digits)}]"
    return re.findall(rf"\s+|{number}+|(?:(?!{number})\S)+", text)
