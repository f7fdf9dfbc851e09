"""Redaction's recognisers and what they read (pipeline/redact.py is the entry point).

A call's words are read once (spoken_text.SpokenText): tokens, digit runs (digits said or written, with
the word each came from: "four five three two", "double seven", "oh", "forty five", over turns) and the
topics named at each word (context.py: card, security code, date of birth, order, price...). Each
recogniser (recognisers/, listed and ordered in registry.py) finds one kind of value for the locales it
knows, judging a value by its form, its validation and the *nearest* context ("order number" said after
"card" makes the digits an order number). Only values are masked, never the question.
"""
