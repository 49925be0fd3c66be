"""The built-in offline assistant: answers from the catalogue and FAQ, nothing else.

No key, no network: intent rules (``intents``), ranked retrieval of services
(``retrieval``) and of FAQ entries (``faq``) decide, and every sentence is
built here from catalogue values, so a price in a reply is always
``format_price`` of the service it names. What the catalogue does not hold (a
service it lacks, a discount, new rules) gets a neutral sentence at low
confidence, which grounding turns into a hand-off.

Confidence is the rule's own certainty (how clearly the intent was said, how
well the named services matched); ``evidence`` is the best retrieval score of
what the reply talks about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from b2a.assistant import booking, retrieval, service_answers
from b2a.assistant import faq as faqs
from b2a.assistant import text as t
from b2a.assistant.fields import extract_quantities
from b2a.assistant.intents import Detection, detect, keyword_words
from b2a.assistant.opening import answer_hours
from b2a.assistant.shapes import (
    AssistantRequest,
    CatalogItem,
    CatalogView,
    Intent,
    ItemRef,
    ProviderReply,
    Turn,
)
from b2a.catalog.money import format_price

MATCH = 0.5
"""Retrieval score from which a service, or confidence from which an FAQ entry, counts."""
FAQ_SURE = 0.85
"""FAQ confidence from which the entry answers the message, whatever intent rules say."""
NEAR = 0.3
"""Below ``MATCH``, a service this close is offered as a "which one?" choice."""
SURE_ONE = 0.6
"""Below this, a service matched alone among others as near is one choice, not the answer."""
LISTING = 0.85
"""A list of choices with their catalogue prices claims nothing: it is sent at the default gate."""
CLOSE = 0.75
"""Services within this share of the best score are named together ("makeup": both kinds)."""
MOST_NAMED = 3
LISTED = 6
HISTORY_TURNS = 3

FIELD_WORDS = {
    "name": "name",
    "phone": "phone number",
    "email": "email",
    "address": "address",
    "time": "preferred time",
}
PASS_ON = "Let me pass this to our team; they will reply here."
NOT_LISTED = "I could not find that in our list of services, so I will ask our team to reply."

_SALAM = frozenset(
    ("salam", "slam", "aoa", "asalam", "aslam", "asalamualaikum", "asalamoalaikum", "walaikum")
)
"""Greetings answered in kind, as ``text.spellings`` writes them (doubled letters squeezed)."""


class CatalogAssistant:
    """The default provider: the tenant's catalogue and FAQ, intent rules, no network."""

    name = "catalog"

    async def reply(self, request: AssistantRequest) -> ProviderReply:
        """Draft an answer to ``request.message`` from the catalogue alone."""
        return answer(request)


def answer(request: AssistantRequest) -> ProviderReply:
    """The catalog assistant's reply, computed without I/O."""
    detection = detect(request.message, request.keywords)
    if detection.out_of_scope:
        compared = service_answers.comparison(request)
        return compared or _reply(Intent.UNKNOWN, PASS_ON, 0.05)
    found = retrieval.analyse(request.catalog, request.message)
    said = keyword_words(request.keywords)
    found = retrieval.Retrieval(found.matches, [w for w in found.unknown if w not in said])
    services = _services(request.catalog, found.matches)
    faq = _faq(request.catalog, request.message)
    slots = booking.fill_slots(request, detection, services=bool(services), faq=bool(faq))
    if slots is not None:
        return slots
    ordering = booking.orders(request)
    intent, certainty = _settle(
        request.catalog, detection, request.message, services, faq, ordering
    )
    fields = detection.fields
    asked = bool(services) and service_answers.asks_whether(request.message)
    unsaid = detection.intent is Intent.UNKNOWN and not ordering
    if intent is Intent.QUESTION or unsaid or asked:
        sure = max(certainty, 0.9) if asked else certainty
        about = service_answers.answer(request, sure, services, _faq_first(faq, services))
        if about is not None:
            return replace(about, fields=dict(fields))
    if intent is Intent.QUESTION:
        return _question(request, certainty, found, services, faq, fields)
    if intent is Intent.ORDER:
        return _order(request, certainty, found, services, fields)
    if intent is Intent.DETAILS:
        return _details(request, fields)
    if intent is Intent.GREETING:
        return _greeting(request)
    if intent is Intent.HOURS:
        return _hours(request, fields)
    if intent is Intent.THANKS:
        return _reply(Intent.THANKS, "You're welcome! Anything else I can help with?", 0.95)
    if intent is Intent.HUMAN:
        back = f" They are back {request.humans_back}." if request.humans_back else ""
        text = f"Sure, I am passing you to a member of our team; they will reply here.{back}"
        return _reply(Intent.HUMAN, text, 0.95, fields=fields)
    return _reply(Intent.UNKNOWN, PASS_ON, 0.1, fields=fields)


def _settle(
    catalog: CatalogView,
    detection: Detection,
    message: str,
    services: list[tuple[CatalogItem, float]],
    faq: faqs.FaqMatch | None,
    ordering: bool,
) -> tuple[Intent, float]:
    """The intent, and how surely, once the catalogue has had its say.

    A message an FAQ entry answers surely is a question, unless it asks for a
    person or says outright it orders; a message that only names a service
    ("facial", "3x banner") asks about it or orders it (``booking.orders``:
    with a time wanted, or answering "which service?"); a weak cue ("I need …")
    that the catalogue backs is as good as a strong one; a vague "what …?" that
    names nothing we hold is not a question we can answer.
    """
    if faq and faq.confidence >= FAQ_SURE and not _decided(detection, message, services):
        return Intent.QUESTION, faq.confidence
    backed = bool(services or faq)
    if detection.intent is Intent.UNKNOWN and backed:
        counted = _quantities(catalog, message)
        return (Intent.ORDER if counted or ordering else Intent.QUESTION), 0.9
    if detection.weak and not backed and detection.intent is Intent.QUESTION:
        return Intent.UNKNOWN, 0.5
    if detection.weak and not backed and detection.fields:
        return Intent.DETAILS, 0.9
    if detection.weak and backed:
        return detection.intent, max(detection.confidence, 0.9)
    return detection.intent, detection.confidence


def _decided(detection: Detection, message: str, services: list[tuple[CatalogItem, float]]) -> bool:
    """A person asked for, or an order said outright: no FAQ entry overrules these.

    An order word in a question about no service ("appointment zaroori hai?")
    does not order anything.
    """
    ordered = detection.intent is Intent.ORDER and not detection.weak
    return detection.intent is Intent.HUMAN or (
        ordered and (bool(services) or not faqs.asks(message))
    )


def _question(
    request: AssistantRequest,
    certainty: float,
    found: retrieval.Retrieval,
    services: list[tuple[CatalogItem, float]],
    faq: faqs.FaqMatch | None,
    fields: dict[str, str],
) -> ProviderReply:
    if not services and not faq:
        if found.unknown:
            return _reply(Intent.QUESTION, NOT_LISTED, 0.2, evidence=_best(found), fields=fields)
        return _menu(request.catalog, found, certainty, fields)
    vague = bool(services) and services[0][1] < SURE_ONE and not found.unknown
    if not faq and vague and len(_near(request.catalog, found)) > 1:
        return _menu(request.catalog, found, certainty, fields)
    parts = []
    best = 0.0
    sure = 1.0
    if faq and _faq_first(faq, services):
        parts.append(faq.entry.answer)
        best, sure = faq.score, faq.confidence
        services = [(item, score) for item, score in services if score >= faq.score]
    if services:
        parts.extend(_priced(item) for item, _ in services)
        best, sure = max(best, services[0][1]), min(sure, _matched(services[0][1]))
    return _reply(
        Intent.QUESTION,
        "\n".join(parts),
        min(certainty, sure),
        items=tuple(ItemRef(item.id) for item, _ in services),
        evidence=best,
        fields=fields,
    )


def _menu(
    catalog: CatalogView,
    found: retrieval.Retrieval,
    certainty: float,
    fields: dict[str, str],
) -> ProviderReply:
    """A price question that names no one service: the near matches, or the first services.

    "makeup price?" in a salon with bridal and party makeup lists both; "price
    kya hai?" lists the catalogue's first services.
    """
    near = _near(catalog, found)
    if near:
        text = "\n".join(
            [*(_priced(item) for item in near[:MOST_NAMED]), "Which one would you like?"]
        )
        return _reply(
            Intent.QUESTION,
            text,
            min(certainty, max(LISTING, _matched(found.matches[0].score))),
            items=tuple(ItemRef(item.id) for item in near[:MOST_NAMED]),
            evidence=found.matches[0].score,
            fields=fields,
        )
    listed = catalog.services[:LISTED]
    text = f"Here is what we have:\n{_price_list(catalog)}\nWhich one would you like?"
    return _reply(
        Intent.QUESTION,
        text,
        min(certainty, 0.85),
        items=tuple(ItemRef(item.id) for item in listed),
        fields=fields,
    )


def _near(catalog: CatalogView, found: retrieval.Retrieval) -> list[CatalogItem]:
    """Services the message comes close to naming: the choices to offer."""
    return [item for m in found.matches if m.score >= NEAR and (item := catalog.service(m.id))]


def _order(
    request: AssistantRequest,
    certainty: float,
    found: retrieval.Retrieval,
    services: list[tuple[CatalogItem, float]],
    fields: dict[str, str],
) -> ProviderReply:
    """The order request for the services named, else those the customer just asked about.

    Services named only weakly ("join", in the Trial Lesson's description)
    give way to the one asked about before, and any order cue then orders it
    surely ("physics ki fees kitni hai", then "ok join karna hai").
    """
    items, evidence = _order_items(request.catalog, request.message, services)
    if _matched(evidence) < LISTING:
        earlier, before = _from_history(request.catalog, request.history, request.message)
        if before > evidence:
            items, evidence, certainty = earlier, before, max(certainty, 0.9)
    if not items:
        if found.unknown:
            return _reply(Intent.ORDER, NOT_LISTED, 0.2, evidence=_best(found), fields=fields)
        names = _some_names(request.catalog, LISTED)
        text = f"Happy to help! {booking.WHICH_SERVICE} We have {names}."
        return _reply(Intent.ORDER, text, min(certainty, 0.85), fields=fields)
    # Names only: the request's summary, with every line's price and the total, follows the reply.
    wanted = [
        item.name if ref.quantity == 1 else f"{ref.quantity} × {item.name}"
        for ref in items
        if (item := request.catalog.service(ref.service_id))
    ]
    step = booking.next_step(request, fields)
    closing = step.text or "Our team will review it and reply here."
    noted = f"Noted: {_words_list(wanted)}. Your request goes to our team for approval."
    text = "\n".join([noted, closing])
    return _reply(
        Intent.ORDER,
        text,
        min(certainty, _matched(evidence)),
        items=tuple(items),
        evidence=evidence,
        fields=fields,
        requested_at=step.requested_at,
    )


def _details(request: AssistantRequest, fields: dict[str, str]) -> ProviderReply:
    noted = _words_list([FIELD_WORDS.get(f, f) for f in fields])
    thanks = f"Thank you, I have noted your {noted}." if fields else "Thank you."
    missing = _missing(request, fields)
    closing = (
        f"Please also share your {_words_list(missing)}."
        if missing
        else "That is everything we need; our team will reply here."
    )
    text = f"{thanks} {closing}"
    return _reply(Intent.DETAILS, text, 0.9, fields=fields)


def _greeting(request: AssistantRequest) -> ProviderReply:
    """Hello in kind, what we sell, and an offer to help; no second hello after the business's."""
    salam = _SALAM.intersection(t.spellings(request.message))
    hello = "Wa alaikum assalam!" if salam else "Hello!"
    welcome = "" if request.greeted else f"{hello} Welcome to {request.catalog.business_name}. "
    have = f"We have {_some_names(request.catalog, 3)}. " if request.catalog.services else ""
    return _reply(Intent.GREETING, f"{welcome}{have}How can I help you?", 0.95)


def _hours(request: AssistantRequest, fields: dict[str, str]) -> ProviderReply:
    exact = answer_hours(request.message, request.now, request.time_zone, request.opening)
    if exact:
        return _reply(Intent.HOURS, exact, 0.95, fields=fields)
    if not request.hours:
        return _reply(Intent.HOURS, "Let me ask our team to tell you our timings.", 0.3)
    back = f" Our team is back {request.humans_back}." if request.humans_back else ""
    return _reply(Intent.HOURS, f"Our hours: {request.hours}.{back}", 0.95, fields=fields)


def _services(
    catalog: CatalogView, matches: Sequence[retrieval.Match]
) -> list[tuple[CatalogItem, float]]:
    """The services the message is about: good matches close to the best one."""
    found = [
        (item, m.score) for m in matches if m.score >= MATCH and (item := catalog.service(m.id))
    ]
    if not found:
        return []
    top = found[0][1]
    return [(item, score) for item, score in found if score >= CLOSE * top][:MOST_NAMED]


def _faq_first(faq: faqs.FaqMatch | None, services: list[tuple[CatalogItem, float]]) -> bool:
    """Whether the FAQ entry, rather than a service, answers the question."""
    return faq is not None and (not services or faq.confidence >= min(FAQ_SURE, services[0][1]))


def _faq(catalog: CatalogView, message: str) -> faqs.FaqMatch | None:
    """The best FAQ entry, when the message asks it well enough."""
    found = faqs.best(catalog, message)
    return found if found and found.confidence >= MATCH else None


def _quantities(catalog: CatalogView, message: str) -> dict[UUID, tuple[int, float]]:
    """How many of which service the message counts ("2 haircuts", "do mugs"), and how surely."""
    counted: dict[UUID, tuple[int, float]] = {}
    for amount, phrase in extract_quantities(message):
        named = _services(catalog, retrieval.rank(catalog, phrase, limit=3))
        if named and named[0][0].id not in counted:
            counted[named[0][0].id] = (named[0][0].packs(amount), named[0][1])
    return counted


def _order_items(
    catalog: CatalogView, message: str, services: list[tuple[CatalogItem, float]]
) -> tuple[list[ItemRef], float]:
    """The services ordered, each once with its quantity (1 unless counted), and the worst match."""
    counted = _quantities(catalog, message)
    scores = {item.id: score for item, score in services}
    for service_id, (_, score) in counted.items():
        scores.setdefault(service_id, score)
    items = [ItemRef(i, counted[i][0] if i in counted else 1) for i in scores]
    return items, min(scores.values(), default=0.0)


def _from_history(
    catalog: CatalogView, history: Sequence[Turn], message: str
) -> tuple[list[ItemRef], float]:
    """The services of the customer's last messages: "haircut kitne ka hai?" then "2 book kar do".

    A count in the new message ("2 …") applies when the earlier one named a
    single service; the evidence is discounted, the service being inferred.
    """
    customer = [turn.text for turn in history if turn.from_customer][-HISTORY_TURNS:]
    for said in reversed(customer):
        services = _services(catalog, retrieval.rank(catalog, said))
        if services:
            items, evidence = _order_items(catalog, said, services)
            counts = [amount for amount, _ in extract_quantities(message)]
            if len(items) == 1 and counts:
                items = [ItemRef(items[0].service_id, counts[0])]
            return items, evidence * 0.9
    return [], 0.0


def _missing(request: AssistantRequest, fields: dict[str, str]) -> list[str]:
    """What is still to ask: the open request's gaps, else the customer details an order needs.

    A time belongs to a request: with none open there is no time to ask for, and once the
    request waits for the team's approval nothing is missing.
    """
    if request.order is not None:
        needed = list(request.order.missing)
    else:
        needed = [
            f for f in request.required_fields if f != "time" and f not in request.known_fields
        ]
    return [FIELD_WORDS.get(f, f) for f in needed if f not in fields]


def _some_names(catalog: CatalogView, count: int) -> str:
    names = [item.name for item in catalog.services[:count]]
    if len(catalog.services) > count:
        names.append("more")
    return _words_list(names)


def _price_list(catalog: CatalogView) -> str:
    lines = [f"- {_priced(item)}" for item in catalog.services[:LISTED]]
    if len(catalog.services) > LISTED:
        lines.append(f"- and {len(catalog.services) - LISTED} more")
    return "\n".join(lines)


def _priced(item: CatalogItem) -> str:
    return f"{item.name}: {_price(item)}"


def _price(item: CatalogItem) -> str:
    return format_price(item.price_minor, item.currency)


def _matched(score: float) -> float:
    """Certainty that the named services are the ones meant, from their retrieval score."""
    return round(0.55 + 0.45 * score, 3)


def _best(found: retrieval.Retrieval) -> float:
    return found.matches[0].score if found.matches else 0.0


def _words_list(words: Sequence[str]) -> str:
    """Words as a sentence lists them: "a", "a and b", "a, b and c"."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _reply(
    intent: Intent,
    text: str,
    confidence: float,
    *,
    items: tuple[ItemRef, ...] = (),
    evidence: float = 0.0,
    fields: dict[str, str] | None = None,
    requested_at: datetime | None = None,
) -> ProviderReply:
    return ProviderReply(
        intent=intent,
        text=text,
        confidence=round(confidence, 3),
        items=items,
        fields=dict(fields or {}),
        requested_at=requested_at,
        evidence=evidence,
        provider=CatalogAssistant.name,
    )
