"""Transcripts made elsewhere, read as turns with words, so a call a telephony platform already transcribed is
scored, stored and reviewed like a recording, without running speech recognition (pipeline.score runs the rest).

Formats (each a parser registered with the test that recognises it; the first that matches wins):
  callscore  what `callscore transcribe` writes (schema callscore.transcript/1)
  whisperx   WhisperX JSON: segments with speaker labels, words with `word`/`start`/`end`/`score`
  segments   any JSON with `segments` of {speaker, start, end, text, words?} (+ call_id, language, duration_s)
  amazon     Amazon Transcribe JSON: results.items plus channel_labels or speaker_labels
  text       `.txt` lines `[mm:ss] Agent: ...` (the time is optional; without times the call is untimed)

Roles come from the file when every speaker is named as one (see AGENT_NAMES, CUSTOMER_NAMES, named_roles), else
from the same detector as for recordings (diarization.roles.from_speech).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from callscore.audio.decode import AUDIO_SUFFIXES, AudioError
from callscore.core.intervals import Interval, merge
from callscore.core.record import Roles, Turn, Word
from callscore.core.text import split_words, written_without_spaces

TRANSCRIPT_SUFFIXES = {".json", ".txt"}
AGENT_NAMES = {"agent", "rep", "representative", "advisor"}
CUSTOMER_NAMES = {"customer", "caller", "client"}
# Where a transcript gives no word times, a word is taken to last this long (150 words a minute): an untimed
# call gets an order and item windows, and a `.txt` line with only a start time gets an end.
WORD_S = 0.4
# A `.txt` line with only a start time is taken to last as long as a slow speaker would need (80 words a
# minute; a Chinese character, a syllable, 0.45 s), up to where the next line starts: only a gap no slow
# speaker explains is silence. At WORD_S, the Urdu and Ukrainian held-out calls (bench/languages_heldout),
# written with no silences, had 5-6 of 10 judged to have dead air.
SLOW_WORD_S, SLOW_CHARACTER_S = 0.75, 0.45
TALK_GAP_S = 0.5  # words closer than this are one stretch of talk, as voice activity bridges short pauses


class TranscriptError(AudioError):
    """A transcript that cannot be scored. An AudioError, so the batch and the nightly flow report it in one
    line and quarantine it exactly like an unreadable recording."""


@dataclass
class Parsed:
    """What a parser read: turns labelled by the file's speaker names (roles not yet decided)."""
    format: str
    turns: list[Turn]
    timed: bool = True
    call_id: str | None = None
    language: str | None = None
    duration_s: float | None = None
    activity: dict[str, list[Interval]] = field(default_factory=dict)  # by speaker label, when the file has it


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    recognises: Callable[[Any], bool]  # on the decoded JSON, or on the text of a .txt
    parse: Callable[[Any], Parsed]


FORMATS: list[Format] = []


def register(name: str, suffix: str, recognises: Callable[[Any], bool]):
    def add(parse: Callable[[Any], Parsed]) -> Callable[[Any], Parsed]:
        FORMATS.append(Format(name, suffix, recognises, parse))
        return parse
    return add


# ---- helpers shared by the parsers ---------------------------------------------------------------

def _number(value: Any, what: str) -> float:
    try:
        return float(value)  # Amazon writes times as strings
    except (TypeError, ValueError):
        raise ValueError(f"{what}: not a time ({value!r})") from None


def _spread(text: str, start: float, end: float, label: str) -> list[Word]:
    """Words of a text without word times, spread evenly over [start, end]. Chinese is cut per character, as
    Whisper gives it, so a number said inside a sentence is masked without the sentence."""
    tokens = split_words(text)
    step = (end - start) / len(tokens) if tokens else 0.0
    return [Word(start + i * step, start + (i + 1) * step, token, 1.0, label) for i, token in enumerate(tokens)]


def _timeline(lines: list[tuple[str, str]]) -> list[Turn]:
    """Untimed (label, text) lines laid end to end at WORD_S a word (split_words: each character of Chinese):
    order and rough positions, no pauses."""
    turns, clock = [], 0.0
    for label, text in lines:
        end = clock + WORD_S * len(split_words(text))
        turns.append(Turn("unknown", clock, end, _spread(text, clock, end, label), label))
        clock = end
    return turns


def _turns_from_words(words: list[Word]) -> list[Turn]:
    """Consecutive words of one speaker (in time order) form a turn."""
    turns: list[Turn] = []
    for word in sorted(words, key=lambda w: (w.start, w.end)):
        if turns and turns[-1].label == word.speaker:
            turns[-1].words.append(word)
            turns[-1].end = max(turns[-1].end, word.end)
        else:
            turns.append(Turn("unknown", word.start, word.end, [word], word.speaker))
    return turns


# ---- JSON formats ----------------------------------------------------------------------------------

def _has_segments(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("segments"), list)


def _word_text(word: dict) -> str:
    return str(word.get("text", word.get("word", ""))).strip()  # callscore says text, WhisperX word


def _segment_words(segment: dict, label: str, start: float, end: float) -> list[Word]:
    raw = segment.get("words") or []
    if not raw:
        return _spread(str(segment.get("text") or ""), start, end, label)
    words, clock = [], start
    for w in raw:
        text = _word_text(w)
        if not text:
            continue
        # WhisperX leaves numerals it could not align without times: they sit where the previous word ended
        w_start = _number(w["start"], "word start") if w.get("start") is not None else clock
        w_end = _number(w["end"], "word end") if w.get("end") is not None else w_start
        words.append(Word(w_start, w_end, text, float(w.get("prob", w.get("score", 1.0)) or 0.0), label))
        clock = w_end
    return words


def _word_speaker(segment: dict) -> str | None:
    """WhisperX leaves a segment's speaker out when its words disagree: the speaker of most of its words."""
    counts = Counter(w.get("speaker") for w in segment.get("words") or [] if w.get("speaker"))
    return counts.most_common(1)[0][0] if counts else None


def _parse_segments(data: dict, name: str) -> Parsed:
    segments = data["segments"]
    if not all(isinstance(seg, dict) for seg in segments):
        raise ValueError("segments: not a list of objects")
    timed_flags = {seg.get("start") is not None or seg.get("end") is not None for seg in segments}
    if len(timed_flags) > 1:
        raise ValueError("some segments have start/end times and some do not")
    timed = timed_flags != {False}
    lines, turns = [], []
    for index, seg in enumerate(segments):
        try:
            label = seg.get("speaker") or _word_speaker(seg)
            if not label:
                raise ValueError("no 'speaker'")
            label = str(label)
            if timed:
                start, end = _number(seg["start"], "start"), _number(seg["end"], "end")
                turns.append(Turn("unknown", start, end, _segment_words(seg, label, start, end), label))
            else:
                lines.append((label, " ".join(_word_text(w) for w in seg.get("words") or [])
                              or str(seg.get("text") or "")))
        except KeyError as error:
            raise ValueError(f"segment {index}: no {error}") from None
        except ValueError as error:
            raise ValueError(f"segment {index}: {error}") from None
    if not timed:
        turns = _timeline(lines)
    activity = {label: [Interval(_number(i["start"], "activity"), _number(i["end"], "activity")) for i in spans]
                for label, spans in (data.get("activity") or {}).items()} if timed else {}
    duration = data.get("duration_s") or (data.get("audio") or {}).get("duration_s")
    return Parsed(name, turns, timed, data.get("call_id"), data.get("language"),
                  float(duration) if duration else None, activity)


@register("callscore", ".json", lambda d: _has_segments(d) and d.get("schema") == "callscore.transcript/1")
def parse_callscore(data: dict) -> Parsed:
    """`callscore transcribe` output: its voice activity is kept, so silences are judged as from the audio."""
    return _parse_segments(data, "callscore")


def _is_whisperx(data: Any) -> bool:
    """WhisperX names a word's text `word` (callscore: `text`) and lists all words again in word_segments."""
    words = (w for s in data["segments"] if isinstance(s, dict) for w in s.get("words") or []) \
        if _has_segments(data) else ()
    return _has_segments(data) and ("word_segments" in data or any(isinstance(w, dict) and "word" in w for w in words))


@register("whisperx", ".json", _is_whisperx)
def parse_whisperx(data: dict) -> Parsed:
    return _parse_segments(data, "whisperx")


@register("segments", ".json", _has_segments)
def parse_generic_segments(data: dict) -> Parsed:
    return _parse_segments(data, "segments")


@register("amazon", ".json", lambda d: isinstance(d, dict) and isinstance(d.get("results"), dict)
          and ("items" in d["results"] or "channel_labels" in d["results"]))
def parse_amazon(data: dict) -> Parsed:
    """Amazon Transcribe: words are `pronunciation` items (times as strings), punctuation items join the word
    before them; who spoke comes from the channel (channel identification) or from speaker labels."""
    results = data["results"]
    channels = (results.get("channel_labels") or {}).get("channels")
    speaker_at = {item["start_time"]: item["speaker_label"]
                  for seg in (results.get("speaker_labels") or {}).get("segments", []) for item in seg.get("items", [])}
    streams = [(c["channel_label"], c["items"]) for c in channels] if channels else [(None, results["items"])]
    words: list[Word] = []
    for channel, items in streams:
        previous = None
        for item in items:
            best = item["alternatives"][0]
            if item.get("type") == "punctuation":
                if previous is not None:
                    previous.text += best["content"]
                continue
            label = channel or item.get("speaker_label") or speaker_at.get(item.get("start_time"))
            if label is None:
                raise ValueError("no channel_labels or speaker_labels: the file does not say who spoke")
            previous = Word(_number(item["start_time"], "start_time"), _number(item["end_time"], "end_time"),
                            best["content"], float(best.get("confidence") or 0.0), label)
            words.append(previous)
    language = results.get("language_code") or data.get("language_code")
    return Parsed("amazon", _turns_from_words(words), True, None, language.split("-")[0] if language else None)


# ---- plain text ------------------------------------------------------------------------------------

TEXT_LINE = re.compile(r"^\s*(?:\[(?P<time>(?:\d+:)?\d{1,2}:\d{2}(?:\.\d+)?)\]\s*)?"
                       r"(?P<speaker>[A-Za-z][\w.' -]{0,29}?)\s*:\s*(?P<text>.*)$")


def _text_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _recognises_text(text: str) -> bool:
    """Speaker lines first and at least half of the lines (the rest continue the line before)."""
    lines = _text_lines(text)
    spoken = [line for line in lines if TEXT_LINE.match(line)]
    return bool(lines) and TEXT_LINE.match(lines[0]) is not None and 2 * len(spoken) >= len(lines)


def _seconds(stamp: str) -> float:
    seconds = 0.0
    for part in stamp.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _slow_seconds(text: str) -> float:
    return sum(SLOW_CHARACTER_S * len(split_words(token)) if written_without_spaces(token) else SLOW_WORD_S
               for token in text.split())


@register("text", ".txt", _recognises_text)
def parse_text(text: str) -> Parsed:
    """A line's time is where it starts; it ends at SLOW_WORD_S a word, or where the next line starts if sooner."""
    entries: list[list] = []  # [start or None, label, text, line number]
    for number, line in enumerate(text.splitlines(), 1):
        match = TEXT_LINE.match(line)
        if match:
            start = _seconds(match["time"]) if match["time"] else None
            entries.append([start, match["speaker"].strip(), match["text"].strip(), number])
        elif line.strip() and entries:
            entries[-1][2] += " " + line.strip()
    stamped = [e for e in entries if e[0] is not None]
    if not stamped:
        return Parsed("text", _timeline([(label, words) for _, label, words, _ in entries]), timed=False)
    if len(stamped) < len(entries):
        missing = next(e for e in entries if e[0] is None)
        raise ValueError(f"line {missing[3]}: no [mm:ss] time though other lines have one")
    turns = []
    for index, (start, label, words, _) in enumerate(entries):
        end = start + _slow_seconds(words)
        if index + 1 < len(entries):
            end = max(start, min(end, entries[index + 1][0]))
        turns.append(Turn("unknown", start, end, _spread(words, start, end, label), label))
    return Parsed("text", turns)


# ---- reading a file -------------------------------------------------------------------------------

def parse(name: str, raw: bytes) -> Parsed:
    """The transcript in `raw` (the content of file `name`); ValueError with the cause when it is none."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise ValueError(f"not a transcript: expected .json or .txt, got {suffix or 'no extension'}")
    if not raw.strip():
        raise ValueError("empty file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not a transcript: not UTF-8 text") from None
    if suffix == ".json":
        try:
            content: Any = json.loads(text)
        except ValueError as error:
            raise ValueError(f"not valid JSON ({error})") from None
        if isinstance(content, dict) and str(content.get("schema", "")).startswith("callscore.result"):
            raise ValueError("not a transcript: a callscore result (already scored)")
    else:
        content = text
    for fmt in FORMATS:
        if fmt.suffix == suffix and fmt.recognises(content):
            try:
                parsed = fmt.parse(content)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
                cause = f"no {error}" if isinstance(error, KeyError) else str(error)
                raise ValueError(f"bad {fmt.name} transcript: {cause}") from None
            if not any(turn.words for turn in parsed.turns):
                raise ValueError(f"no words in the {fmt.name} transcript")
            return parsed
    if suffix == ".txt":
        raise ValueError("not a transcript: no 'Speaker: text' lines (e.g. 'Agent: Good morning')")
    raise ValueError("not a transcript: no 'segments' (callscore, WhisperX) or 'results.items' (Amazon Transcribe)")


def sniff(name: str, raw: bytes) -> Parsed | None:
    """The transcript, or None when the file is not one (inbox discovery skips it quietly)."""
    try:
        return parse(name, raw)
    except ValueError:
        return None


def transcript_candidates(paths: list[str]) -> list[str]:
    """Files that may be transcripts. A `<stem>.json` beside a recording or a `.txt` transcript of the same
    stem is that call's metadata sidecar, and a transcript beside a recording of the same stem is left to the
    recording (one call id, one source)."""
    stems: dict[tuple[str, str], set[str]] = {}
    for p in paths:
        path = PurePosixPath(p)
        stems.setdefault((str(path.parent), path.stem), set()).add(path.suffix.lower())
    chosen = []
    for p in paths:
        path = PurePosixPath(p)
        suffix, siblings = path.suffix.lower(), stems[(str(path.parent), path.stem)]
        if suffix not in TRANSCRIPT_SUFFIXES or siblings & AUDIO_SUFFIXES or (suffix == ".json" and ".txt" in siblings):
            continue
        chosen.append(p)
    return chosen


def is_transcript_file(path: Path | str) -> bool:
    return Path(path).suffix.lower() in TRANSCRIPT_SUFFIXES


def _role_of(label: str) -> str | None:
    name = label.strip().lower()
    return "agent" if name in AGENT_NAMES else "customer" if name in CUSTOMER_NAMES else None


def read(path: Path | str) -> Parsed:
    """A transcript file, parsed (roles not yet decided). Raises TranscriptError (one line: the file and the cause)
    for a file that is not a usable transcript."""
    path = Path(path)
    if not path.is_file():
        raise TranscriptError(path, "file not found" if not path.exists() else "not a file")
    try:
        return parse(path.name, path.read_bytes())
    except ValueError as error:
        raise TranscriptError(path, str(error)) from None


def named_roles(labels: list[str]) -> Roles | None:
    """The roles the file states, when it names every speaker as one (Rep, Caller...); None: decide from speech."""
    named = [label for label in labels if label.lower() != "unknown"]  # callscore's own "could not tell"
    if named and all(_role_of(label) for label in named):
        return Roles({label: _role_of(label) or "unknown" for label in labels}, 1.0, "transcript",
                     ["roles as the transcript names them"])
    return None


def default_agent(labels: list[str]) -> str | None:
    """Speaker labels only: channel 0, if named, is the usual agent (as for a stereo recording)."""
    return next((label for label in labels if label.lower() in ("ch_0", "ch0")), None)


def audio_meta(path: Path, parsed: Parsed) -> dict:
    """The result's `audio` for a transcript: its file, how long the words last, nothing to play."""
    end = max((w.end for t in parsed.turns for w in t.words), default=0.0)
    return {"path": str(path), "duration_s": round(max(parsed.duration_s or 0.0, end), 3), "sample_rate": None,
            "channels": None, "transcript": {"format": parsed.format, "timed": parsed.timed}}


def activity(parsed: Parsed, roles: Roles) -> dict[str, list[Interval]]:
    """Where each role speaks (nothing for a transcript without times)."""
    return _activity(parsed, roles) if parsed.timed else {}


def _activity(parsed: Parsed, roles: Roles) -> dict[str, list[Interval]]:
    """Where each role speaks: the file's own voice activity when it has it, else its words joined across
    pauses shorter than TALK_GAP_S. A gap where nobody speaks is silence, as between voice-activity runs."""
    spans: dict[str, list[Interval]] = {}
    if parsed.activity:
        for label, intervals in parsed.activity.items():
            spans.setdefault(roles.mapping.get(label, label), []).extend(intervals)
    else:
        for turn in parsed.turns:
            spans.setdefault(turn.speaker, []).extend(Interval(w.start, w.end) for w in turn.words)
    return {role: merge(intervals, gap_s=TALK_GAP_S) for role, intervals in spans.items()}
