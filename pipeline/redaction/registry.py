"""The recognisers by name, in the order they run, and the detection that runs those a call's locales need.

Order matters only where two recognisers could read the same digit run (recogniser.Claims): a country's id
before cards (a 12-19 digit id said after "identity card"), cards before security codes, dates of birth in
words before expiry dates, then each remaining run to the first recogniser that takes it, in the order a
value is most likely named: code, expiry, birth, SSN, sort code, account, ZIP, phone. The rest read letters
and words and may run in any order; overlaps are settled by type when masking (redact.TYPES).
"""
from __future__ import annotations

from callscore.pipeline.redaction.recogniser import Claims, Hit, Recogniser
from callscore.pipeline.redaction.recognisers.bank_account import ACCOUNT_NUMBER, IBAN, UK_SORT_CODE
from callscore.pipeline.redaction.recognisers.card_number import CARD_NUMBER
from callscore.pipeline.redaction.recognisers.date_of_birth import DATE_OF_BIRTH_IN_DIGITS, DATE_OF_BIRTH_IN_WORDS
from callscore.pipeline.redaction.recognisers.email import EMAIL
from callscore.pipeline.redaction.recognisers.expiry_date import EXPIRY_DATE
from callscore.pipeline.redaction.recognisers.national_id import COUNTRY_IDS, UK_NINO, US_SSN
from callscore.pipeline.redaction.recognisers.phone_number import PHONE_NUMBER
from callscore.pipeline.redaction.recognisers.postcode import UK_POSTCODE, US_ZIP_CODE
from callscore.pipeline.redaction.recognisers.security_code import SECURITY_CODE
from callscore.pipeline.redaction.recognisers.street_address import STREET_ADDRESS
from callscore.pipeline.redaction.spoken_text import SpokenText

REGISTRY: dict[str, Recogniser] = {recogniser.name: recogniser for recogniser in (
    *COUNTRY_IDS, CARD_NUMBER, SECURITY_CODE, DATE_OF_BIRTH_IN_WORDS, EXPIRY_DATE, DATE_OF_BIRTH_IN_DIGITS,
    US_SSN, UK_SORT_CODE, ACCOUNT_NUMBER, US_ZIP_CODE, PHONE_NUMBER,
    EMAIL, UK_POSTCODE, UK_NINO, IBAN, STREET_ADDRESS)}


def recognisers_for(locale_codes: tuple[str, ...]) -> list[Recogniser]:
    return [recogniser for recogniser in REGISTRY.values() if recogniser.serves(locale_codes)]


def detect(words: list[str], locale_codes: tuple[str, ...]) -> list[Hit]:
    """Every value the locales' recognisers find in a call's words, in the order found.

    Every recogniser runs whatever types are masked, so a card number is never taken for a phone number
    because card masking is off.
    """
    text = SpokenText.read(words, locale_codes)
    claims = Claims()
    for recogniser in recognisers_for(locale_codes):
        for found in recogniser.find(text, claims):
            if found:
                claims.hits.append(Hit(recogniser.kind, set(found)))
    return claims.hits
