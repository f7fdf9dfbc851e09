"""Speech recognition per call language on synthetic telephone audio (issue 16): WER (CER for Chinese) and speed.

    python bench/languages.py [--n 8] [--model base|DIR] [--languages en,ms,id,zh,ur,uk] [--show]

Each sentence (written for this bench, labelled with the scorecard behaviour it realises, no digits so the
reference has one spelling) is spoken by espeak-ng, Malay and Indonesian by the MBROLA voices mb-ma1/mb-id1
when installed (far clearer than espeak-ng's own), passed through a telephone channel with sox (300-3400 Hz
band, 8 kHz) and transcribed by Whisper with the language forced, as callscore does. Chinese output is
converted to Simplified before scoring. Synthetic voices understate Whisper on real speech for zh, ur and uk
(espeak-ng's voices for them are hard to understand for people too); treat those figures as a floor.
RTF is transcription time over audio time on this machine's threads (CALLSCORE_CPU_THREADS).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess  # nosec B404 (espeak-ng and sox with fixed argument lists)
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import table  # noqa: E402

from callscore.languages import script_normalised  # noqa: E402
from callscore.models import registry  # noqa: E402
from callscore.settings import Settings  # noqa: E402

# language -> (espeak-ng voice, MBROLA voice used when installed)
VOICES = {"en": ("en-us", None), "ms": ("ms", "mb-ma1"), "id": ("id", "mb-id1"), "zh": ("cmn", None),
          "ur": ("ur", None), "uk": ("uk", None)}
MBROLA_DIR = Path("/usr/share/mbrola")
SENTENCES = {
    "en": [("greeting", "Good morning, thank you for calling, my name is Sarah."),
           ("recording_disclosure", "This call may be recorded for quality and training purposes."),
           ("verify_identity", "Can I take your full name and date of birth please?"),
           ("hold_start", "Please hold on a moment while I check your account."),
           ("hold_end", "Thank you for holding, I have found the problem."),
           ("recap", "So I have cancelled the card and refunded the charge."),
           ("anything_else", "Is there anything else I can help you with today?"),
           ("closing", "Thank you for calling and have a lovely day."),
           ("empathy", "I understand, and I am sorry for the trouble."),
           ("ownership", "I will sort this out for you myself.")],
    "ms": [("greeting", "Selamat pagi, terima kasih kerana menghubungi kami, saya Aisyah."),
           ("recording_disclosure", "Panggilan ini mungkin dirakam untuk tujuan latihan dan kualiti."),
           ("verify_identity", "Boleh saya dapatkan nama penuh dan tarikh lahir encik?"),
           ("hold_start", "Sila tunggu sebentar, saya semak akaun encik."),
           ("hold_end", "Terima kasih kerana menunggu, saya sudah jumpa masalahnya."),
           ("recap", "Jadi saya sudah batalkan kad itu dan pulangkan bayaran tersebut."),
           ("anything_else", "Ada apa-apa lagi yang boleh saya bantu?"),
           ("closing", "Terima kasih kerana menghubungi kami, selamat tinggal."),
           ("empathy", "Saya faham, saya mohon maaf atas kesulitan ini."),
           ("ownership", "Saya sendiri akan uruskan perkara ini untuk encik.")],
    "id": [("greeting", "Selamat pagi, terima kasih telah menghubungi kami, saya Dewi."),
           ("recording_disclosure", "Panggilan ini mungkin direkam untuk keperluan pelatihan dan kualitas."),
           ("verify_identity", "Boleh saya minta nama lengkap dan tanggal lahir Bapak?"),
           ("hold_start", "Mohon ditunggu sebentar, saya cek akun Bapak dulu."),
           ("hold_end", "Terima kasih sudah menunggu, saya sudah menemukan masalahnya."),
           ("recap", "Jadi kartunya sudah saya blokir dan dananya sudah dikembalikan."),
           ("anything_else", "Apakah ada lagi yang bisa saya bantu?"),
           ("closing", "Terima kasih telah menghubungi kami, semoga hari Anda menyenangkan."),
           ("empathy", "Saya mengerti, mohon maaf atas ketidaknyamanannya."),
           ("ownership", "Saya sendiri yang akan menyelesaikan masalah ini untuk Bapak.")],
    "zh": [("greeting", "早上好，感谢您的来电，我是小王。"),
           ("recording_disclosure", "本次通话可能会被录音，用于服务质量和培训。"),
           ("verify_identity", "请问您的全名和出生日期是什么？"),
           ("hold_start", "请稍等，我帮您查一下账户。"),
           ("hold_end", "感谢您的耐心等待，我已经找到问题了。"),
           ("recap", "我已经帮您挂失了这张卡，并且退还了这笔费用。"),
           ("anything_else", "请问还有什么可以帮您的吗？"),
           ("closing", "感谢您的来电，祝您生活愉快。"),
           ("empathy", "我理解您的心情，给您带来不便非常抱歉。"),
           ("ownership", "这件事我会亲自帮您处理好。")],
    "ur": [("greeting", "السلام علیکم، کال کرنے کا شکریہ، میرا نام عائشہ ہے۔"),
           ("recording_disclosure", "یہ کال معیار اور تربیت کے لیے ریکارڈ کی جا سکتی ہے۔"),
           ("verify_identity", "کیا میں آپ کا پورا نام اور تاریخ پیدائش لے سکتی ہوں؟"),
           ("hold_start", "براہ کرم انتظار کریں، میں آپ کا اکاؤنٹ چیک کرتی ہوں۔"),
           ("hold_end", "انتظار کرنے کا شکریہ، مجھے مسئلہ مل گیا ہے۔"),
           ("recap", "میں نے کارڈ منسوخ کر دیا ہے اور رقم واپس کر دی ہے۔"),
           ("anything_else", "کیا میں آپ کی کسی اور چیز میں مدد کر سکتی ہوں؟"),
           ("closing", "کال کرنے کا شکریہ، آپ کا دن اچھا گزرے۔"),
           ("empathy", "میں سمجھتی ہوں، اس پریشانی کے لیے معذرت خواہ ہوں۔"),
           ("ownership", "میں خود یہ مسئلہ آپ کے لیے حل کروں گی۔")],
    "uk": [("greeting", "Доброго ранку, дякуємо за дзвінок, мене звати Олена."),
           ("recording_disclosure", "Ця розмова може записуватися для контролю якості та навчання."),
           ("verify_identity", "Назвіть, будь ласка, ваше повне ім'я та дату народження."),
           ("hold_start", "Зачекайте, будь ласка, я перевірю ваш рахунок."),
           ("hold_end", "Дякую, що зачекали, я знайшла проблему."),
           ("recap", "Отже, я заблокувала картку і повернула кошти."),
           ("anything_else", "Чи можу я ще чимось вам допомогти?"),
           ("closing", "Дякуємо за дзвінок, гарного вам дня."),
           ("empathy", "Я розумію, вибачте за незручності."),
           ("ownership", "Я особисто вирішу це питання для вас.")],
}


def voice_for(language: str, mbrola_wanted: bool = True) -> str:
    espeak, mbrola = VOICES[language]
    usable = mbrola_wanted and mbrola and (MBROLA_DIR / mbrola.removeprefix("mb-")).exists()
    return mbrola if usable else espeak


def telephone(text: str, voice: str, folder: Path) -> Path:
    """espeak-ng speech through a phone channel (300-3400 Hz, 8 kHz), back at the 16 kHz Whisper reads."""
    raw, phone = folder / "raw.wav", folder / "phone.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True)  # nosec
    subprocess.run(["sox", str(raw), "-b", "16", "-c", "1", str(phone), "sinc", "300-3400", "rate", "8000",  # nosec
                    "rate", "16000"], check=True, capture_output=True)
    return phone


def tokens(text: str, language: str) -> list[str]:
    """Words (characters for Chinese) without punctuation or case; apostrophes and Urdu letter variants unified."""
    text = unicodedata.normalize("NFKC", script_normalised(text, language)).lower()
    text = re.sub(r"['’ʼ`]", "", text.replace("ي", "ی").replace("ك", "ک").replace("ه", "ہ"))
    text = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in text)
    return list(text.replace(" ", "")) if language == "zh" else text.split()


def errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over tokens (substitutions + deletions + insertions)."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ref != hyp))
    return row[-1]


def run(languages: list[str], n: int, model_name: str, show: bool, mbrola: bool = True) -> list[dict]:
    import soundfile as sf

    settings = Settings.from_env()
    model = registry.whisper(model_name, settings.cache_dir, settings.cpu_threads)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for language in languages:
            voice = voice_for(language, mbrola)
            word_err = word_n = char_err = char_n = 0
            audio_s = asr_s = 0.0
            for label, text in SENTENCES[language][:n]:
                samples, rate = sf.read(telephone(text, voice, Path(tmp)), dtype="float32")
                started = time.perf_counter()
                segments, _ = model.transcribe(samples, language=language, beam_size=settings.beam_size,
                                               vad_filter=False, condition_on_previous_text=False)
                heard = script_normalised(" ".join(s.text.strip() for s in segments), language)
                asr_s += time.perf_counter() - started
                audio_s += len(samples) / rate
                ref_chars, hyp_chars = (list("".join(tokens(t, language))) for t in (text, heard))
                char_err, char_n = char_err + errors(ref_chars, hyp_chars), char_n + len(ref_chars)
                if language != "zh":
                    ref, hyp = tokens(text, language), tokens(heard, language)
                    word_err, word_n = word_err + errors(ref, hyp), word_n + len(ref)
                if show:
                    print(f"{language} {label:<22} {text}\n{'':25} {heard}", file=sys.stderr)
            rows.append({"language": language, "voice": voice, "sentences": min(n, len(SENTENCES[language])),
                         "WER": word_err / word_n if word_n else None, "CER": char_err / char_n,
                         "audio_s": round(audio_s, 1), "RTF": asr_s / audio_s})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=8, help="sentences per language (at most 10)")
    parser.add_argument("--model", default="base", help="base, or a folder with a CTranslate2 Whisper model")
    parser.add_argument("--languages", default=",".join(SENTENCES))
    parser.add_argument("--show", action="store_true", help="print each sentence and what was heard")
    # mb-ma1 lacks diphones with /o/ that espeak-ng's Malay asks for (mbrola: "b-o unknown"): those vowels go silent
    parser.add_argument("--no-mbrola", dest="mbrola", action="store_false", help="espeak-ng's own ms/id voices")
    args = parser.parse_args()
    missing = [tool for tool in ("espeak-ng", "sox") if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"needs {' and '.join(missing)} (apt-get install espeak-ng sox)")
    rows = run(args.languages.split(","), args.n, args.model, args.show, args.mbrola)
    print(table(rows, ["language", "voice", "sentences", "WER", "CER", "audio_s", "RTF"]))


if __name__ == "__main__":
    main()
