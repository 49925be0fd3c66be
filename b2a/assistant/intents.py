"""What a customer message asks for, from keywords in English and Roman Urdu.

Keywords are phrases matched as whole words after folding case and accents
and squeezing doubled letters (so "Shukriyaaa", "shukriya" and a one-letter
typo of a long keyword are the same); plurals are not folded, so "books" is
not "book".
Each intent has *strong* keywords, which decide it alone, and some have *weak*
ones, which decide only when nothing stronger is said. The order below is the
order a shop assistant would weigh them in:

1. Out of scope: bargaining ("discount", "50% off", "800 mein de do"),
   instructions aimed at the bot ("ignore your rules"), complaints and refunds.
   The assistant never answers these; they are UNKNOWN and go to humans.
2. HUMAN wanted; then an ORDER said outright ("book", "order", "admission").
3. HOURS asked ("timing", "kab khulte ho"), then a price or availability
   QUESTION ("kitne ka hai", "do you …").
4. Wanting ("mujhe chahiye", "I need", a weak cue) is an ORDER, even with
   details in it ("3 mugs chahiye, naam Zain"); otherwise DETAILS when a
   name, phone, email or address was given.
5. A weekday alone is HOURS; then THANKS, GREETING, and a bare "what", "kya"
   or "?" is a QUESTION (weakly: the catalogue must back it up).

Tenants add keywords per intent value (``AssistantConfig.intent_keywords``);
theirs count as strong. Keywords under "unknown" make a message out of scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from b2a.assistant import text as t
from b2a.assistant.fields import extract_fields, extract_quantities
from b2a.assistant.shapes import Intent

__all__ = [
    "Detection",
    "detect",
    "detect_intent",
    "extract_fields",
    "extract_quantities",
    "keyword_words",
]

Keywords = Mapping[str, Sequence[str]]
_VALUES = frozenset(i.value for i in Intent)
_TYPO_FROM = 6
"""Keywords shorter than this must be typed exactly: Roman Urdu's five-letter
words sit one letter apart ("banda" a person, "banta" it costs)."""

STRONG: dict[Intent, tuple[str, ...]] = {
    Intent.UNKNOWN: (
        "discount", "discounts", "concession", "kam kar", "kam karo", "kam kardo", "kam ho",
        "kam hoga", "kuch kam", "thora kam", "sasta", "sasti", "saste", "cheaper", "bargain",
        "best price", "last price", "final price", "free", "muft", "refund", "money back",
        "paise wapis", "paise wapas", "paisay wapis", "wapis karo", "guarantee", "guaranteed",
        "ignore", "instructions", "instruction", "system prompt", "prompt", "pretend", "act as",
        "you are now", "jailbreak", "override", "developer mode", "no approval",
        "without approval", "skip approval", "approve my", "complaint", "complain", "damaged",
        "kharab", "wrong", "bakwas", "ghatiya", "worst", "fraud", "scam", "cheat", "hiring",
        "vacancy", "naukri",
    ),
    Intent.HUMAN: (
        "human", "real person", "a person", "actual person", "live person", "insaan", "insan",
        "banda", "banday", "bande", "kisi se baat", "agent", "representative", "operator",
        "manager", "owner", "malik", "call me", "call kar", "call karo", "call kr", "call back",
        "phone karo", "phone kar", "baat karni", "baat karna", "baat karwao", "baat karwa",
        "baat kara", "baat krni", "talk to", "speak to", "speak with", "talk with",
        "connect me", "not a bot", "bot nahi", "are you a bot", "are you bot", "someone call",
    ),
    Intent.ORDER: (
        "order", "book", "booking", "appointment", "reserve", "reservation", "enroll", "enrol",
        "admission", "register", "sign up", "signup", "join", "start karwa", "mangwana",
        "mangwani", "please print", "print karwa", "print karwani", "print kar do",
    ),
    Intent.HOURS: (
        "timing", "timings", "hours", "open", "opening", "close", "closing", "closed",
        "khulte", "khulta", "khulti", "khula", "khuli", "khulega", "khulegi", "khule", "band hai",
        "band hota", "band hoti", "band ho", "kitne baje", "kitny baje", "kis time", "what time",
        "available on", "available at", "office time", "working days",
    ),
    Intent.QUESTION: (
        "price", "prices", "pricing", "rate", "rates", "cost", "costs", "charges", "charge",
        "fee", "fees", "how much", "kitna", "kitne", "kitni", "kitnay", "kitny", "kitney",
        "paise", "paisay", "kharcha", "kharch", "lagega", "lagay ga", "qeemat", "keemat",
        "kimat", "available", "availability", "do you", "do u", "can you", "can i", "is there",
        "are there", "karte ho", "karti ho", "karte hain", "krte ho", "hota hai", "hoti hai",
        "milta", "milti", "milega", "milegi", "milte", "hai kya", "offer", "provide",
        "dete ho", "bana dete", "sakte hain", "where", "kahan", "kidhar", "location",
        "how long", "how many", "kitne din", "which",
    ),
    Intent.THANKS: (
        "thanks", "thank", "thankyou", "thanku", "tysm", "thx", "thnx", "thanx", "tnx", "ty",
        "shukriya", "shukria", "shukrya", "jazakallah", "jazak allah", "meherbani", "mehrbani",
        "appreciated", "dhanyavad",
    ),
    Intent.GREETING: (
        "hi", "hello", "hey", "helo", "hlo", "hallo", "hola", "salam", "salaam", "slam", "aoa",
        "asalam", "assalam", "assalamualaikum", "asalamualaikum", "walaikum", "good morning",
        "good evening", "good afternoon", "kya haal", "kia haal", "kaise ho", "kaisay ho",
        "kesay ho", "how are you", "how r u", "whats up", "kya scene", "adaab", "greetings",
    ),
}  # fmt: skip

WEAK: dict[Intent, tuple[str, ...]] = {
    Intent.ORDER: (
        "chahiye", "chahie", "chaiye", "chahye", "chahiyay", "want", "need", "would like",
        "id like", "lena hai", "lena", "karwana", "karwani", "krwana", "karwane", "banwana",
        "banwani", "kar do", "kar dein", "kardo", "de do", "de dein", "karna hai",
        "bana do", "bana dein", "bana den", "banwa do", "banwa dein",
    ),
    Intent.HOURS: (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "weekend", "kab",
    ),
    Intent.QUESTION: (
        "what", "kya", "kia", "how", "kaise", "kaisay", "kesay", "when", "tell me", "batao",
        "btao", "bata dein", "bataen", "info", "information", "details",
    ),
}  # fmt: skip

_BARGAINING = re.compile(
    r"\d\s*(?:%|percent\b|per\s*cent\b|off\b)"
    r"|\d[\d,]*\s*(?:rs\.?|rupees|pkr)?\s*(?:mein|me|main|mai|mn)\s+(?:de|dedo|kar|kardo|karo|dein|do|dena)\b"
    r"|^\s*system\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Detection:
    """What a message asks for, how surely, and why."""

    intent: Intent
    confidence: float
    out_of_scope: bool = False
    """The message asks for what the assistant must never do (discounts, rule changes)."""
    weak: bool = False
    """Only a weak cue said it ("kya …?", "I need …"): the catalogue must back it up."""
    fields: dict[str, str] = field(default_factory=dict)


def detect_intent(text: str, keywords: Keywords | None = None) -> tuple[Intent, float]:
    """The intent of ``text`` and the rule's certainty in [0, 1]."""
    found = detect(text, keywords)
    return found.intent, found.confidence


def detect(text: str, keywords: Keywords | None = None) -> Detection:
    """``detect_intent`` with the reason: out of scope, or the details the message gave."""
    table = _table(_freeze(keywords or {}))
    words = t.spellings(text)
    strong, weak, fuzzy = _hits(table, words)
    if Intent.UNKNOWN in strong or _BARGAINING.search(t.fold(text)):
        return Detection(Intent.UNKNOWN, 0.9, out_of_scope=True)
    fields = extract_fields(text)
    for intent in (Intent.HUMAN, Intent.ORDER, Intent.HOURS, Intent.QUESTION):
        if intent in strong:
            rivals = len(strong - {intent, Intent.GREETING, Intent.THANKS})
            return Detection(intent, _certainty(0.9, rivals, fuzzy), fields=fields)
    if Intent.ORDER in weak:
        return Detection(Intent.ORDER, _certainty(0.8, 0, fuzzy), weak=True, fields=fields)
    if fields or Intent.DETAILS in strong:
        return Detection(Intent.DETAILS, _certainty(0.9, len(weak), fuzzy), fields=fields)
    if Intent.HOURS in weak:
        return Detection(Intent.HOURS, _certainty(0.8, 0, fuzzy), weak=True)
    for intent in (Intent.THANKS, Intent.GREETING):
        if intent in strong:
            return Detection(intent, _certainty(0.95, len(weak), fuzzy))
    if Intent.QUESTION in weak or (words and "?" in text):
        return Detection(Intent.QUESTION, 0.6, weak=True)
    return Detection(Intent.UNKNOWN, 0.5)


def _certainty(base: float, rivals: int, fuzzy: bool) -> float:
    """Less sure when other intents were also said, or a keyword was read through a typo."""
    return round(max(base - 0.1 * rivals - (0.05 if fuzzy else 0.0), 0.5), 2)


def keyword_words(keywords: Keywords | None = None) -> frozenset[str]:
    """Every keyword word in ``text.canonical`` form: words that say what, never which service."""
    return _table(_freeze(keywords or {})).canonical


@dataclass(frozen=True)
class _Table:
    strong: dict[Intent, list[tuple[str, ...]]]
    weak: dict[Intent, list[tuple[str, ...]]]
    vocabulary: frozenset[str]
    canonical: frozenset[str]


def _hits(table: _Table, words: list[str]) -> tuple[set[Intent], set[Intent], bool]:
    readings = [_readings(table.vocabulary, w) for w in words]
    # A phrase whose first word the message cannot be is not looked for: of the
    # ~230 keyword phrases, a message rules out nearly all by that alone.
    present = {word for reading in readings for word in reading}
    fuzzy = False
    hits: list[set[Intent]] = []
    for phrases in (table.strong, table.weak):
        found = set()
        for intent, options in phrases.items():
            for phrase in options:
                if phrase[0] not in present:
                    continue
                where = _find(phrase, readings)
                if where is not None:
                    found.add(intent)
                    fuzzy = fuzzy or where
                    break
        hits.append(found)
    return hits[0], hits[1], fuzzy


def _readings(vocabulary: frozenset[str], word: str) -> dict[str, bool]:
    """Keyword words ``word`` may be, each marked True when read through a typo."""
    if word in vocabulary:
        return {word: False}
    budget = t.allowed_typos(word, _TYPO_FROM)
    return {
        k: True
        for k in vocabulary
        if budget
        and t.allowed_typos(k, _TYPO_FROM)
        and k[0] == word[0]
        and t.distance(word, k, 1) <= 1
    }


def _find(phrase: tuple[str, ...], readings: list[dict[str, bool]]) -> bool | None:
    """None when ``phrase`` is not in the message; else whether a typo was needed."""
    size = len(phrase)
    for start in range(len(readings) - size + 1):
        window = readings[start : start + size]
        if all(word in reading for word, reading in zip(phrase, window, strict=True)):
            return any(reading[word] for word, reading in zip(phrase, window, strict=True))
    return None


def _freeze(keywords: Keywords) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in keywords.items()))


@lru_cache(maxsize=256)
def _table(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> _Table:
    strong = {intent: _phrases(words) for intent, words in STRONG.items()}
    for value, words in extra:
        if value in _VALUES:
            strong.setdefault(Intent(value), []).extend(_phrases(words))
    weak = {intent: _phrases(words) for intent, words in WEAK.items()}
    vocabulary = frozenset(
        w for table in (strong, weak) for ps in table.values() for p in ps for w in p
    )
    return _Table(strong, weak, vocabulary, frozenset(t.canonical(w) for w in vocabulary))


def _phrases(keywords: Iterable[str]) -> list[tuple[str, ...]]:
    return [tuple(words) for k in keywords if (words := t.spellings(k))]
