"""Questions about the services themselves, answered from the catalogue's own values.

The offline assistant (``catalog_provider``) answers a plain price question
with the price. Customers ask more than that, in English and Roman Urdu, and
each kind gets its own sentence, built only from catalogue values:

- what is included ("What is included in the bridal makeup?", "facial mein kya
  hai"): the service's description and its price;
- how long ("how long does hair colour take?", "time kitna lagta hai"): the
  duration the business set, never one made up; a service without one gets a
  low-confidence reply, which the confidence gate turns into a hand-off;
- whether it is done at all ("do you do keratin?", "keratin karte ho?"): yes
  and the price (a service the catalogue lacks never reaches this module);
- a total ("manicure aur haircut dono ka total?", "2 haircuts and a facial
  total"): each line, with quantities, and the sum, each item referenced with
  its quantity so the guardrails can check the sum (``guardrails``);
- which costs less ("manicure sasta hai ya pedicure?"): both prices and the
  lower one. "Cheaper" and "sasta" otherwise make a message bargaining, so a
  comparison is recognised only when it names exactly two catalogue services
  with "or"/"ya" between them, has no haggling verb ("sasta kar do", "make it
  cheaper") and is still in scope once its comparison words are taken out.
  The reply itself never says "cheaper" (a guardrail word): "X costs less."

A service is found phrase by phrase for totals and comparisons (the message
split at "and", "aur", "or", commas …), so a service whose own name contains
"and" is read as two phrases and may not be found; the plain answers then
still apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from b2a.assistant import retrieval
from b2a.assistant import text as t
from b2a.assistant.fields import extract_quantities
from b2a.assistant.intents import detect
from b2a.assistant.shapes import (
    AssistantRequest,
    CatalogItem,
    Intent,
    ItemRef,
    ProviderReply,
    Turn,
)
from b2a.catalog.money import format_price
from b2a.catalog.rules import duration_display

MATCH = 0.5
"""Retrieval score from which a phrase names a service (as in ``catalog_provider``)."""
HISTORY_TURNS = 3
UNSURE = 0.3
"""Confidence of a reply that lacks what was asked (no duration set): below any threshold."""

_TOTAL = re.compile(
    r"\b(total|totl|together|altogether|combined|in all|both|dono|donon|teeno|tenon|sab mila ke|"
    r"sab ka|sabka|mila ke|milake|mila kar|mil ke|sum)\b"
)
_PRICE_WORDS = re.compile(r"\b(how much|kitne|kitna|kitni|price|cost|rate|charges|fees?)\b")
_DURATION = re.compile(
    r"\b(how long|how much time|how many (?:minutes|mins|hours)|duration|take long|"
    r"kitna (?:time|waqt|tym)|(?:time|waqt|tym) kitna|kitni (?:der|dair|dayr|dir|deir)|"
    r"(?:time|waqt|tym|der|dair) (?:lagta|lagti|lagega|lagay|lage|lagegi|lgta|lagte)|"
    r"kitne (?:minute|minutes|ghante|ghantay|ghanta|time|waqt|tym|der|dair)|"
    r"(?:kitne|kitni) (?:time|waqt|tym) (?:ka|ki|ke))\b"
)
_INCLUDED = re.compile(
    r"\b(includ\w*|whats in|what is in|what do you do in|what comes with|kya kya|"
    r"(?:mein|me|main|mai|men) kya|describe|details? (?:of|about)|tell me about|"
    r"what does .{1,40} (?:involve|include|contain|cover))\b"
)
_DETAIL = re.compile(
    r"\b(kaisa|kaisi|kaise|kis (?:paper|cheez|chiz|material|type|qisam|kism)|paper|material|"
    r"quality|kitne (?:din|dino|hafte|haftay|mahine|mahinay|weeks?|days?|months?)|"
    r"(?:kitni|kitne) classes|how many (?:classes|sessions|days|weeks|months)|"
    r"(?:hafte|haftay|week) (?:mein|me|main|mai)|per week|a week|chalta|chalti|chalega|"
    r"last|lasts|lasting|come with|comes with|(?:ke|ki|k) (?:sath|saath))\b"
)
_DO = r"(?:do|have|offer|provide|make|sell|teach|print|take|give)"
_AVAILABLE = re.compile(
    rf"\b(do (?:you|u|yall) {_DO}|(?:are|r) (?:you|u) (?:doing|offering|teaching)|"
    r"have you got|can i get|is there|"
    r"(?:karte|karti|krte|krti|karwate|karwati|krwate|krwati|karate|karati|parhate|parhati|"
    r"padhate|padhati|parhatay|sikhate|sikhati|banate|banati|bana dete|bana deti|bana lete|"
    r"chhapte|chapte|print karte|dete|deti) (?:ho|hain|hai|hen|hein|hn)|"
    r"(?:hota|hoti|hote|milta|milti|milte) (?:hai|hain|hen)|"
    r"milega|milegi|available)\b"
)
_ASKS_IF = re.compile(r"\b(?:hai|hain|hen|hein)\s*\?")
"""A bare "… hain?" asks whether it is there, unless it asks what, which or how much."""
_WHICH = re.compile(
    r"\b(kya|kia|kaun|kon|konsa|konsi|kab|kahan|kidhar|kitn\w*|what|which|when|where)\b"
)
_STRONG_AVAILABLE = re.compile(
    rf"\b(do (?:you|u|yall) {_DO}|(?:karte|karti|krte|krti|karwate|karwati|krwate|krwati|"
    r"parhate|parhati|padhate|padhati|sikhate|sikhati|bana dete|bana deti) "
    r"(?:ho|hain|hai|hen|hein))\b"
)
"""An availability question even when another cue misleads ("trimming" reads as "timings")."""
_WHAT = re.compile(r"\b(what|wat|wht|which)\b")
""""What do you print?" asks for the list, not whether one thing is done."""
_PLAIN = frozenset(
    re.findall(
        r"\w+",
        "with your from before that this have will what each both full only also just they them "
        "their then when more most very into than",
    )
)
"""Words too plain to say a message asks about a description ("with", "your")."""
_COMPARE = re.compile(
    r"\b(cheaper|cheapest|less expensive|more expensive|costlier|expensive|sasta|sasti|saste|"
    r"mehnga|mehngi|mehenga|mehanga|mehnge)\b"
)
_EITHER = re.compile(r"\b(or|ya|yaa|vs|versus|compared)\b")
_HAGGLE = re.compile(
    r"\b(?:sast[aie]|cheaper|kam)\s+(?:kar|karo|kardo|krdo|kr|karein|karen|kijiye|de|do|dedo|"
    r"dein|dijiye|mein|me|main|mai)\b|\bmake (?:it|this|them|that)?\s*cheaper\b|"
    r"\b(?:give|get|sell|let)\b[^.?!]*\bcheaper\b|\bcheaper (?:for|price|rate|deal)\b"
)
_SEPARATOR = re.compile(r"\b(?:and|aur|or|ya|yaa|with|plus|vs|versus)\b|[,&+/;]")


@dataclass(frozen=True)
class Named:
    """A service a phrase of the message names, how many, and how well it matched."""

    item: CatalogItem
    quantity: int
    score: float


def answer(
    request: AssistantRequest,
    certainty: float,
    services: Sequence[tuple[CatalogItem, float]],
    faq_first: bool,
) -> ProviderReply | None:
    """A reply about the services asked of, or None to leave the message to the plain answers.

    ``services`` are the catalogue assistant's matches for the whole message;
    ``faq_first`` says an FAQ entry answers it rather than a service ("How long
    does printing take?" is the FAQ's to answer), and then this module keeps out.
    """
    said = t.fold(request.message)
    if faq_first:
        return None
    if _COMPARE.search(said):
        return comparison(request)
    if _TOTAL.search(said) or _PRICE_WORDS.search(said):
        named = _named(request)
        if _TOTAL.search(said) and len(named) < 2 and len(services) > 1:
            # "manicure pedicure dono": no "and" to split at, the whole message names both
            named = [Named(item, 1, score) for item, score in _in_order(said, services)]
        counted = any(n.quantity > 1 for n in named)
        if counted or (len(named) > 1 and _TOTAL.search(said)):
            return _total(named, certainty)
    if not services:
        services = _recent(request.history, request)
    if not services:
        return None
    if _DURATION.search(said):
        return _duration(services, certainty)
    asks_if = _ASKS_IF.search(said) and not (_PRICE_WORDS.search(said) or _WHICH.search(said))
    available = bool(_AVAILABLE.search(said) or asks_if) and not _WHAT.search(said)
    described = _describes(said, services)
    if _INCLUDED.search(said) or _DETAIL.search(said) or described:
        # "haircut mein wash bhi hai?": the description names it, so the answer is yes
        return _included(services, certainty, yes=available and described)
    if available:
        return _available(services, certainty)
    return None


def asks_whether(message: str) -> bool:
    """Whether the message plainly asks if a service is done ("do you do …", "parhate hain").

    Such a message is a question whatever else it resembles: "do you do beard
    trimming" is not about the opening hours, "sat ki tayari karwate ho" orders nothing.
    """
    said = t.fold(message)
    return bool(_STRONG_AVAILABLE.search(said)) and not _WHAT.search(said)


def _in_order(
    said: str, services: Sequence[tuple[CatalogItem, float]]
) -> list[tuple[CatalogItem, float]]:
    """The services in the order the message names them, so the lines read as it was asked."""

    def at(item: CatalogItem) -> int:
        spots = [said.find(t.fold(name)) for name in (item.name, *item.synonyms)]
        return min((spot for spot in spots if spot >= 0), default=len(said))

    return sorted(services, key=lambda found: at(found[0]))


def _describes(said: str, services: Sequence[tuple[CatalogItem, float]]) -> bool:
    """Whether the message asks about a word of a service's own description ("wash", "eyelets").

    Words of the service's name and synonyms do not count: they only name it.
    """
    words = {word for word in re.findall(r"[a-z0-9-]+", said) if len(word) > 3}
    for item, _ in services:
        naming = set(re.findall(r"[a-z0-9-]+", t.fold(" ".join((item.name, *item.synonyms)))))
        described = set(re.findall(r"[a-z0-9-]+", t.fold(item.description or "")))
        if (words & described) - naming - _PLAIN:
            return True
    return False


def comparison(request: AssistantRequest) -> ProviderReply | None:
    """Both prices and the lower one, when an out-of-scope message only compares two services.

    None for anything else, which stays out of scope: bargaining ("sasta kar
    do", "make it cheaper", "discount"), a comparison that does not name
    exactly two catalogue services, or one whose word the business itself
    listed as out of scope (its "unknown" keywords).
    """
    said = t.fold(request.message)
    if not (_COMPARE.search(said) and _EITHER.search(said)) or _HAGGLE.search(said):
        return None
    theirs = {t.fold(word).strip() for word in request.keywords.get(Intent.UNKNOWN.value, ())}
    if theirs & set(_COMPARE.findall(said)):
        return None  # the business itself made this word out of scope
    if detect(_COMPARE.sub(" ", said), request.keywords).out_of_scope:
        return None
    named = _named(request)
    if len(named) != 2:
        return None
    first, second = named
    lines = [_priced(first.item), _priced(second.item)]
    if first.item.price_minor == second.item.price_minor:
        lines.append("Both cost the same.")
    else:
        lower = min(named, key=lambda n: n.item.price_minor).item
        lines.append(f"{lower.name} costs less.")
    return _reply(
        "\n".join(lines),
        _matched(min(first.score, second.score)),
        (ItemRef(first.item.id), ItemRef(second.item.id)),
        min(first.score, second.score),
    )


def _total(named: Sequence[Named], certainty: float) -> ProviderReply:
    lines = []
    total = 0
    for n in named:
        amount = n.item.price_minor * n.quantity
        total += amount
        each = f" ({_price(n.item.price_minor, n.item)} each)" if n.quantity > 1 else ""
        count = f"{n.quantity} × " if n.quantity > 1 else ""
        lines.append(f"{count}{n.item.name}{each}: {_price(amount, n.item)}")
    if len(named) > 1:
        lines.append(f"Total: {_price(total, named[0].item)}")
    worst = min(n.score for n in named)
    return _reply(
        "\n".join(lines),
        min(certainty, _matched(worst)),
        tuple(ItemRef(n.item.id, n.quantity) for n in named),
        worst,
    )


def _duration(services: Sequence[tuple[CatalogItem, float]], certainty: float) -> ProviderReply:
    lines = []
    unknown = False
    for item, _ in services:
        if item.duration_minutes:
            took = duration_display(item.duration_minutes)
            lines.append(f"{item.name} takes about {took}. It is {_price(item.price_minor, item)}.")
        else:
            unknown = True
            lines.append(f"{item.name} is {_price(item.price_minor, item)}.")
    if unknown:
        lines.append("I will ask our team how long it takes; they will reply here.")
    confidence = UNSURE if unknown else min(certainty, _matched(services[0][1]))
    return _reply("\n".join(lines), confidence, _refs(services), services[0][1])


def _included(
    services: Sequence[tuple[CatalogItem, float]], certainty: float, yes: bool = False
) -> ProviderReply:
    lines = []
    unknown = False
    for item, _ in services:
        price = _price(item.price_minor, item)
        if item.description:
            lines.append(f"{item.name}: {item.description.rstrip('.')}. It is {price}.")
        else:
            unknown = True
            lines.append(f"{item.name} is {price}.")
    if unknown:
        lines.append("I will ask our team what it includes; they will reply here.")
    if yes and not unknown:
        lines[0] = f"Yes — {lines[0]}"
    confidence = UNSURE if unknown else min(certainty, _matched(services[0][1]))
    return _reply("\n".join(lines), confidence, _refs(services), services[0][1])


def _available(services: Sequence[tuple[CatalogItem, float]], certainty: float) -> ProviderReply:
    said = " and ".join(f"{item.name} is {_price(item.price_minor, item)}" for item, _ in services)
    return _reply(
        f"Yes — {said}.",
        min(certainty, _matched(services[0][1])),
        _refs(services),
        services[0][1],
    )


def _named(request: AssistantRequest) -> list[Named]:
    """Each service a phrase of the message names, once, with the quantity written before it.

    An empty list when a phrase could be two services equally ("makeup"):
    adding up or comparing the wrong one would be worse than the plain answer.
    """
    found: dict[object, Named] = {}
    for phrase in _SEPARATOR.split(t.fold(request.message)):
        matches = [m for m in retrieval.rank(request.catalog, phrase, limit=3) if m.score >= MATCH]
        if not matches:
            continue
        if len(matches) > 1 and matches[1].score >= matches[0].score:
            return []
        item = request.catalog.service(matches[0].id)
        if item is None or item.id in found:
            continue
        quantity = item.packs(next((amount for amount, _ in extract_quantities(phrase)), 1))
        found[item.id] = Named(item, quantity, matches[0].score)
    return list(found.values())


def _recent(history: Sequence[Turn], request: AssistantRequest) -> list[tuple[CatalogItem, float]]:
    """The service the last customer messages named: "hair colour?", then "kitni dair lagti hai"."""
    customer = [turn.text for turn in history if turn.from_customer][-HISTORY_TURNS:]
    for text in reversed(customer):
        matches = [m for m in retrieval.rank(request.catalog, text, limit=3) if m.score >= MATCH]
        if matches and (item := request.catalog.service(matches[0].id)):
            return [(item, matches[0].score * 0.9)]
    return []


def _refs(services: Sequence[tuple[CatalogItem, float]]) -> tuple[ItemRef, ...]:
    return tuple(ItemRef(item.id) for item, _ in services)


def _priced(item: CatalogItem) -> str:
    return f"{item.name}: {_price(item.price_minor, item)}"


def _price(amount_minor: int, item: CatalogItem) -> str:
    return format_price(amount_minor, item.currency)


def _matched(score: float) -> float:
    """Certainty from a retrieval score, on the catalogue assistant's scale (0.55 to 1)."""
    return round(0.55 + 0.45 * score, 3)


def _reply(
    text: str, confidence: float, items: tuple[ItemRef, ...], evidence: float
) -> ProviderReply:
    return ProviderReply(
        intent=Intent.QUESTION,
        text=text,
        confidence=round(confidence, 3),
        items=items,
        evidence=evidence,
        provider="catalog",
    )
