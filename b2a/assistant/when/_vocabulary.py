"""The words and patterns ``assistant.when`` reads: English and Roman Urdu, numbers with cues."""

from __future__ import annotations

import re
from collections.abc import Iterable


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
URDU_NUMBERS = {
    "ek": 1, "aik": 1, "do": 2, "teen": 3, "tin": 3, "char": 4, "chaar": 4, "panch": 5,
    "paanch": 5, "chay": 6, "chey": 6, "chhe": 6, "che": 6, "saat": 7, "sat": 7, "aath": 8,
    "ath": 8, "nau": 9, "das": 10, "dus": 10, "gyarah": 11, "giyarah": 11, "gyara": 11,
    "barah": 12, "bara": 12, "baara": 12,
}  # fmt: skip
FRACTIONS = {"saade": 30, "sade": 30, "sarhe": 30, "saarhe": 30, "sawa": 15, "sava": 15}
BEFORE = ("paune", "pone", "pauney", "pony")
HALVES = {"dhai": (2, 30), "dhaai": (2, 30), "dedh": (1, 30), "derh": (1, 30)}

PART_WORDS = {
    "morning": "morning", "subah": "morning", "subha": "morning", "suba": "morning",
    "subh": "morning", "sobah": "morning", "savere": "morning", "sawere": "morning",
    "afternoon": "afternoon", "dopahar": "afternoon", "dopehar": "afternoon",
    "dophar": "afternoon", "dopher": "afternoon", "dupahar": "afternoon", "dupehar": "afternoon",
    "dopaher": "afternoon", "evening": "evening", "shaam": "evening", "sham": "evening",
    "shām": "evening", "night": "night", "raat": "night", "rat": "night", "tonight": "night",
    "tonite": "night", "nite": "night", "evng": "evening", "eve": "evening", "mrng": "morning",
    "morng": "morning", "morn": "morning", "sbh": "morning", "dopehr": "afternoon",
    "dophr": "afternoon",
}  # fmt: skip

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "mon": 0, "somwar": 0, "somvar": 0, "peer": 0, "pir": 0, "tuesday": 1,
    "tue": 1, "tues": 1, "mangal": 1, "wednesday": 2, "wed": 2, "budh": 2, "budhwar": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "jumerat": 3, "jumeraat": 3,
    "friday": 4, "fri": 4, "juma": 4, "jumma": 4, "jummah": 4, "jumah": 4,
    "jummay": 4, "jumme": 4, "jumay": 4, "jumey": 4, "saturday": 5, "sat": 5, "hafta": 5,
    "haftay": 5, "hafte": 5, "sunday": 6, "sun": 6, "itwar": 6, "itwaar": 6, "itvar": 6,
    "etwar": 6, "atwar": 6,
}  # fmt: skip
WEEKDAYS_IN_CONTEXT = frozenset(("peer", "pir", "sat", "sun", "mangal"))
"""Weekday names that are also ordinary words ("sun lo", "sat log", "peer"): only with
"on", "next", "this" before them, "ko" after them or a time after them."""
WEEKDAYS_WITH_KO = frozenset(("hafta", "haftay", "hafte"))
"""Saturday or "week" ("agle hafte" is next week): Saturday only as "hafte ko"."""

RELATIVE = {
    "day after tomorrow": 2, "overmorrow": 2, "parson": 2, "parso": 2, "parsun": 2,
    "parsoon": 2, "parsön": 2, "aaj": 0, "aj": 0, "ajj": 0, "today": 0, "2day": 0, "tonight": 0,
    "tonite": 0, "kal": 1, "kl": 1, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1,
    "tommorow": 1, "tommorrow": 1, "tomoro": 1, "tomm": 1, "2moro": 1, "2morrow": 1,
    "this morning": 0, "this afternoon": 0, "this evening": 0,
}  # fmt: skip


NOT_AFTER_DIGIT = r"(?<![\d.,:/\-+])"
NOT_BEFORE_DIGIT = r"(?![\d/:\-]|[.,]\d)"
HOUR = r"(?P<h>\d{1,2}" + "|" + _alternation(NUMBER_WORDS) + r")"
MINUTES = r"(?:[:.](?P<m>[0-5]\d))?"
FRACTION = r"(?:(?P<frac>" + _alternation((*FRACTIONS, *BEFORE)) + r")\s+)?"
NO_QUANTITY = (
    r"(?!\s*(?:%|percent|rs\b|pkr|rupe|kg|g\b|gm|grams?|dozen|pcs|pieces?|items?|log\b|people|"
    r"persons?|bande|banday|x\b|hours?|hrs?\b|ghant|minutes?|mins?\b|din\b|days?\b|weeks?\b))"
)
PART = r"(?P<part>" + _alternation(PART_WORDS) + r")"

RANGE = re.compile(
    r"\b(?:(?P<start>from|between)\s+)?"
    + NOT_AFTER_DIGIT
    + r"(?P<h>\d{1,2})"
    + MINUTES
    + r"\s*(?:-|\u2013|to|se|till|until|and)\s*(?P<h2>\d{1,2})(?:[:.][0-5]\d)?(?![\d/:.\-])"
    + r"(?:\s*(?:(?P<ampm>[ap])\.?\s?m\b\.?|(?P<baje>baje|bje|bajay|bjy)\b))?"
)
"""A span of hours ("5-6pm", "from 3 to 5", "11 se 1 baje"): its start is the time asked."""
AMPM = re.compile(
    r"\b" + FRACTION + NOT_AFTER_DIGIT + HOUR + MINUTES + r"\s*(?P<ampm>[ap])\.?\s?m\b\.?"
)
BAJE = re.compile(
    r"\b"
    + FRACTION
    + NOT_AFTER_DIGIT
    + r"(?P<h>\d{1,2}|"
    + _alternation({**NUMBER_WORDS, **URDU_NUMBERS, **HALVES})
    + r")"
    + MINUTES
    + r"\s*(?:baje|bajay|bajey|baji|bje|bjy|bjay|bajy|baj|o\s?'?\s?clock)\b"
)
COLON = re.compile(NOT_AFTER_DIGIT + r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")
PART_HOUR = re.compile(
    r"\b"
    + PART
    + r"\s+(?:(?:ko|ke|at|main|mein|me|mai)\s+)?"
    + FRACTION
    + r"(?P<h>\d{1,2})"
    + MINUTES
    + NOT_BEFORE_DIGIT
    + NO_QUANTITY
)
AT_HOUR = re.compile(
    r"(?:\b(?:at|around|arround)\s+|@\s*)"
    + FRACTION
    + HOUR
    + MINUTES
    + r"\b"
    + NOT_BEFORE_DIGIT
    + NO_QUANTITY
)
AFTER_DAY = re.compile(
    r"\s+(?:(?:ko|at|on)\s+)?(?P<h>\d{1,2})" + MINUTES + r"(?![\d/:.,\-%])"
    r"(?=\s*(?:$|[?.!,]|(?:ko|pe|par|tak|please|plz|pls|thik|theek|ok|okay|chalega|chalay|sahi"
    r"|aa|aaun|aau|aaon|ajaun|aajaun|available|free|slot|book|booking|appointment|se|ke|baad"
    r"|ho|hai|mil|milega|for|is)\b))"
)
"""An hour right after a day that ends the phrase ("kal 5", "Saturday 4?"); never "kal 5 cakes"."""
PAST = re.compile(r"\b(?P<q>half|quarter)\s+(?P<dir>past|to)\s+" + HOUR + r"\b(?![:.]\d)")
TIME_FOLLOWS = re.compile(r"\s*(?:\d|at\b|@|morning|afternoon|evening|night)")
NOON = re.compile(r"\b(?:12\s*)?(?P<word>noon|midday|midnight)\b")

DAY_FIRST = re.compile(
    NOT_AFTER_DIGIT
    + r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:\s*of)?[\s\-]*(?P<mon>"
    + _alternation(MONTHS)
    + r")\b\.?(?:,?\s*(?P<y>20\d\d)\b)?"
)
MONTH_FIRST = re.compile(
    r"\b(?P<mon>"
    + _alternation(k for k in MONTHS if k != "may")
    # "may 2 people come?" is not a date: "may" first only before a day that ends the phrase
    + r"|may(?=\s+[0-3]?\d(?:st|nd|rd|th)?(?:\s*(?:[,?.!]|$|at\b|on\b|ko\b|\d)))"
    + r")\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?![:.]\d)(?!\s*(?:[ap]\.?m\b|baje|bje))"
    + r"(?:,?\s*(?P<y>20\d\d)\b)?"
)
NUMERIC_DATE = re.compile(
    NOT_AFTER_DIGIT
    + r"\b(?P<d>[0-3]?\d)(?:/(?P<mo>[01]?\d)(?:/(?P<y>(?:20)?\d\d))?"
    + r"|(?P<sep>[\-.])(?P<mo2>[01]?\d)(?P=sep)(?P<y2>(?:20)?\d\d))(?![\d/:\-]|[.,]\d)"
)
ISO_DATE = re.compile(r"(?<![\d/.\-])\b(?P<y>20\d\d)-(?P<mo>[01]?\d)-(?P<d>[0-3]?\d)\b(?![\d/:\-])")
ORDINAL = re.compile(
    r"\bon\s+(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)\b"
    r"|(?<=day\s)(?:the\s+)?(?P<d4>[0-3]?\d)(?:st|nd|rd|th)\b"
    r"|\b(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:ko\s+)?(?:tareekh|tarikh|tarik|tareek)\b"
    r"|\b(?P<d3>[0-3]?\d)(?:st|nd|rd|th)\s+ko\b"
)
FRACTIONS_NOT_DATES = frozenset(("1/2", "1/3", "2/3", "1/4", "3/4", "24/7"))

RELATIVE_DAY = re.compile(r"\b(?P<rel>" + _alternation(RELATIVE) + r")\b")
NOWADAYS = re.compile(r"\b(?:aaj|aj)\s*(?:kal|kl)\b")
YESTERDAY = re.compile(
    r"(?:\s+\w+){0,3}?\s+(?:tha|thi|thay|the|gaya|gayi|gai|gaye|aya|aaya|ayi|aayi|aaye|hua|hui"
    r"|huwa|kiya|kia|ki\s+thi|liya|li\s+thi|diya|di\s+thi|bataya|bola|kaha)\b"
)
"""A past tense within three words after "kal" ("kal aaya tha"): yesterday, not tomorrow."""
WEEKDAY = re.compile(
    r"\b(?:(?P<mod>next|agle|agla|agli|agly|aglay|this|is|coming|upcoming|on)\s+)?"
    r"(?P<wd>" + _alternation(WEEKDAYS) + r")\b\.?(?P<ko>\s+ko\b)?"
)
PART_ALONE = re.compile(r"\b" + PART + r"\b")
IN_A_WHILE = re.compile(
    r"\b(?:in|within)\s+(?:(?P<n>\d{1,3})|(?P<half>half\s+an?|aadha)|an?|one)\s*"
    r"(?P<unit>hours?|hrs?|minutes?|mins?)\b"
    r"|\b(?:(?P<n2>\d{1,3})|(?P<half2>aadhe|adhe|aadha|adha)|ek|aik)\s*"
    r"(?P<unit2>ghante|ghanta|ghantay|ghantey|ghanton|minute|minat|mint|mins?)\s*"
    r"(?:mein|me|main|mai|mn|baad|bad)\b"
)
NOW = re.compile(r"\b(?:right\s+now|abhi|abi|abhie|now|isi\s+waqt|filhal)\b(?!\s+tak\b)")
"""The moment itself ("abhi khula hai?"); "abhi tak" is "so far", not a time asked for."""
