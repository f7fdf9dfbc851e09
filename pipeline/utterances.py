"""Split turns into sentence-sized utterances at sentence punctuation (of any of the call languages) and long
pauses."""
from __future__ import annotations

from callscore.core.text import SENTENCE_ENDS, join_words
from callscore.core.record import Turn, Utterance, Word

PAUSE_S = 1.0
MAX_WORDS = 40
WHOLE_TURN_WORDS = 45


def split_turn(turn: Turn) -> list[Utterance]:
    pieces: list[list[Word]] = [[]]
    for word in turn.words:
        current = pieces[-1]
        if current and (word.start - current[-1].end > PAUSE_S or len(current) >= MAX_WORDS):
            pieces.append(current := [])
        current.append(word)
        if word.text.endswith(SENTENCE_ENDS):
            pieces.append([])
    sentences = [ws for ws in pieces if ws]
    # A behaviour is often spread over two short sentences, so adjacent pairs are judged as well.
    pairs = [(a + b, True) for a, b in zip(sentences, sentences[1:]) if a[-1].end + PAUSE_S >= b[0].start]
    # A short turn of several sentences ("Hello. Acme. Sam speaking. How can I help?") is judged whole too.
    whole = [(turn.words, True)] if len(sentences) > 2 and len(turn.words) <= WHOLE_TURN_WORDS else []
    return [Utterance(turn.speaker, ws[0].start, ws[-1].end, join_words(w.text for w in ws), turn.label,
                      combined=combined) for ws, combined in [(s, False) for s in sentences] + pairs + whole]


def split_turns(turns: list[Turn]) -> list[Utterance]:
    return [u for turn in turns for u in split_turn(turn)]
