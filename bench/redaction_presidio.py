"""Presidio's predefined recognisers on our labelled redaction sets: alone, and added to ours.

    pip install --no-deps --target /tmp/presidio presidio-analyzer==2.2.366 tldextract==5.4.0 requests-file==3.0.1
    PYTHONPATH=/tmp/presidio python bench/redaction_presidio.py

Presidio is not a dependency (README, *How redaction is built*), so it goes into a folder of its own, beside
the project's environment (its analyzer would pin preshed below the version our spaCy runs with). Only
pattern and phonenumbers-based recognisers run, with no NLP engine. A call's words are joined with spaces;
a word is found when any of its characters is. Each entity type is mapped to ours (DATE_TIME to
date_of_birth: Presidio cannot tell a birth from another date), and scored by the same `evaluate` as
bench/redaction.py.
"""
from __future__ import annotations

from presidio_analyzer.predefined_recognizers import (AbaRoutingRecognizer, CreditCardRecognizer, DateRecognizer,
                                                      EmailRecognizer, IbanRecognizer, PhoneRecognizer,
                                                      UkNinoRecognizer, UkPostcodeRecognizer, UsBankRecognizer,
                                                      UsSsnRecognizer)

from common import table
from redaction import DEFAULT_SETS, load

from callscore.pipeline.redact import RedactionConfig
from callscore.pipeline.redaction import registry
from callscore.pipeline.redaction.evaluation import evaluate
from callscore.pipeline.redaction.recogniser import Hit

OURS = {"CREDIT_CARD": "card_number", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone_number",
        "IBAN_CODE": "bank_account", "US_BANK_NUMBER": "bank_account", "ABA_ROUTING_NUMBER": "bank_account",
        "US_SSN": "national_id", "UK_NINO": "national_id", "UK_POSTCODE": "postcode", "DATE_TIME": "date_of_birth"}
RECOGNISERS = [CreditCardRecognizer(), EmailRecognizer(), PhoneRecognizer(supported_regions=("GB", "US")),
               IbanRecognizer(), UsSsnRecognizer(), UkNinoRecognizer(), UsBankRecognizer(), AbaRoutingRecognizer(),
               DateRecognizer(), UkPostcodeRecognizer()]


def presidio_hits(words: list[str], locale_codes: tuple[str, ...]) -> list[Hit]:
    text, starts = "", []
    for word in words:
        starts.append(len(text))
        text += word + " "
    hits = []
    for recogniser in RECOGNISERS:
        for found in recogniser.analyze(text, recogniser.supported_entities, None):
            covered = {k for k, s in enumerate(starts) if s < found.end and s + len(words[k]) > found.start}
            hits.append(Hit(OURS[found.entity_type], covered))
    return hits


def main() -> None:
    ours = registry.detect
    detectors = {"presidio": presidio_hits,
                 "ours + presidio": lambda words, codes: ours(words, codes) + presidio_hits(words, codes)}
    rows = []
    for path in DEFAULT_SETS:
        items = load(path)
        for name, detect in detectors.items():
            registry.detect = detect  # what redact_words calls: evaluate scores this detector
            result = evaluate(items, RedactionConfig())
            every = next(r for r in result["rows"] if r["type"] == "ALL")
            rows.append({"set": path.stem, "recognisers": name, "recall": f"{every['recall']:.3f}",
                         "caught": f"{every['caught']}/{every['entities']}",
                         "precision": f"{result['word_precision']:.3f}",
                         "look-alike lines masked": f"{result['lookalike_false_rate']:.1%}"})
        registry.detect = ours
    print(table(rows, ["set", "recognisers", "recall", "caught", "precision", "look-alike lines masked"]))


if __name__ == "__main__":
    main()
