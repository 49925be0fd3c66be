"""Filling an order request's slots: the time it is for and the details it still needs.

The offline assistant asks for one thing at a time and takes the answer it
asked for as it comes:

1. The time first, when the business books appointments (``orders_need`` is
   "time"): the day and clock the customer says (``when.find_time``), a bare
   clock ("5 baje") on the day said before (in the customer's earlier messages,
   or the time already asked for). A time inside that day's opening hours and
   ahead of now is taken (``ProviderReply.requested_at``); otherwise the
   customer is told why and asked for a time inside that day's hours.
2. Then everything else still missing, in ONE question ("Please share your
   name and phone number.").
3. A reply to that question is read as its answer when it fits: a bare name
   ("Sana Tariq"), an address ("Gulberg mein"), a phone, an email, several of
   them separated by commas in the order asked. A short reply that fits nothing
   gets the question again, never a hand-off.

Which slots are asked is read from the order in progress (``order.missing``)
and the assistant's own last message, so nothing is remembered between turns
that the conversation does not already show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from b2a.assistant import text as t
from b2a.assistant.fields import extract_fields
from b2a.assistant.intents import Detection, keyword_words
from b2a.assistant.shapes import AssistantRequest, Intent, ProviderReply
from b2a.assistant.when import Asked, find_time
from b2a.orders.rules import TIME, OrderStatus
from b2a.tenants.hours import WEEKDAY_NAMES, hours_on, outside_hours

FIELD_WORDS = {"name": "name", "phone": "phone number", "email": "email", "address": "address"}
CONFIDENCE = 0.9
"""As sure as a detail given with a cue: the reply answers the question just asked."""
SHORT = 6
"""Words in a reply short enough to be an answer to the question just asked."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_.'-]*(?:[.'-][^\W\d_]+)*\.?$")
_PLACE_TAIL = re.compile(
    r"\s*\b(?:mein|main|mai|me|pe|par|per|mein\s+hai|mein\s+hoon|hai|hain|hoon|hun)\s*[.!]*$",
    re.IGNORECASE,
)
_PARTS = re.compile(r"\s*[,;\n]\s*")
_PLACE = re.compile(r"\S\s+(?:mein|main|mai|me|pe|par|per)\s*[.!]*$", re.IGNORECASE)
"""A place said as Roman Urdu says where ("Gulberg mein", "Clifton block 5 pe")."""
_STREET = re.compile(
    r"\b(?:house|h\s*no|flat|apartment|apt|plot|street|st|road|rd|lane|gali|block|phase|sector"
    r"|town|colony|society|mohalla|floor|building|plaza|avenue)\b\.?\s*#?\s*\d",
    re.IGNORECASE,
)
"""A numbered house, street or block: a reply with commas that is one address, not two answers."""


@dataclass(frozen=True)
class Step:
    """What the reply says next about the order request, and what it takes from this message."""

    text: str
    """The sentences to end the reply with: the time taken or refused, then ONE question."""
    requested_at: datetime | None = None
    fields: dict[str, str] = field(default_factory=dict)


WHICH_SERVICE = "Which service would you like?"
"""The question an order that names no service gets; the bare service answering it orders it."""


def orders(request: AssistantRequest) -> bool:
    """Whether a message that only names services ("haircut") orders them rather than asks.

    It does when it answers "Which service would you like?", or, in a business
    that books times, when it says the day or time wanted ("manicure aur
    pedicure kal shaam 6 baje").
    """
    if WHICH_SERVICE in _last_said(request):
        return True
    asked = _asked(request)
    return request.orders_need == TIME and asked is not None and asked.at is not None


def next_step(request: AssistantRequest, fields: dict[str, str]) -> Step:
    """After an order or details: take the time the message says, then ask what is missing.

    A new order request that says no time takes the one said just before
    ("kal 12 baje ka appointment chahiye", then "haircut").
    """
    needed = [f for f in _needed(request) if f not in fields]
    asked = _asked(request) or _said_before(request)
    at, day, said = None, _known_day(request, asked), ""
    if TIME in needed and asked is not None:
        at, said = _taken_time(request, asked, day)
    if at is not None:
        needed.remove(TIME)
        day = _local(request, at).date()
    part = asked.part_of_day if asked else ""
    question = _question(request, needed, None if said.startswith("We are closed") else day, part)
    return Step(" ".join(s for s in (said, question) if s), at, dict(fields))


def fill_slots(
    request: AssistantRequest, detection: Detection, *, services: bool, faq: bool
) -> ProviderReply | None:
    """The reply to a message that answers what the open DRAFT still needs; None when it does not.

    Only a DRAFT still missing something, and only a message that names no
    service (``services``: more services go to the order), asks no clear
    question and wants no person: those take their usual path. A message an FAQ
    entry answers is never asked again as "not caught" (``faq``): unless it
    answers the question, the FAQ does.
    """
    order = request.order
    if services or order is None or order.status != OrderStatus.DRAFT or not order.missing:
        return None
    intent = detection.intent
    asked = _asked(request)
    bare = _bare_answers(request)
    timed = TIME in order.missing and asked is not None and asked.at is not None
    if (
        (intent is Intent.HUMAN and not _a_name_not_a_person(request, bare))
        or (intent is Intent.ORDER and not timed)
        or (intent in (Intent.QUESTION, Intent.HOURS) and not detection.weak)
    ):
        return None
    given = {**extract_fields(request.message), **bare}
    if not given and (asked is None or TIME not in order.missing):
        if faq or not _short(request.message) or not _last_said(request):
            return None
        again = next_step(request, {}).text
        return _reply(f"Sorry, I did not catch that. {again}", {}, None)
    step = next_step(request, given)
    thanks = _thanks(given)
    closing = step.text or "That is everything we need."
    return _reply(f"{thanks} {closing}".strip(), given, step.requested_at)


def _a_name_not_a_person(request: AssistantRequest, bare: dict[str, str]) -> bool:
    """A bare name answering "your name" whose later word only is a person word ("Sadia Malik").

    "malik" (owner), "banda" … are surnames too; a name that starts with such
    a word ("manager bulao") or holds two of them ("real person") still asks
    for a person.
    """
    if "name" not in bare:
        return False
    said = keyword_words(request.keywords)
    words = [t.canonical(w) for w in t.spellings(request.message)]
    cues = [i for i, w in enumerate(words) if w in said]
    return len(cues) == 1 and cues[0] > 0


def _reply(text: str, fields: dict[str, str], at: datetime | None) -> ProviderReply:
    return ProviderReply(
        intent=Intent.DETAILS, text=text, confidence=CONFIDENCE, fields=fields, requested_at=at
    )


def _needed(request: AssistantRequest) -> list[str]:
    """What the request still lacks: the open DRAFT's missing fields, or what a new one would."""
    order = request.order
    if order is not None and order.status == OrderStatus.DRAFT:
        return list(order.missing)
    return [f for f in request.required_fields if f == TIME or f not in request.known_fields]


def _asked(request: AssistantRequest) -> Asked | None:
    if request.now is None:
        return None
    return find_time(request.message, request.now, request.time_zone, request.opening)


def _said_before(request: AssistantRequest) -> Asked | None:
    """The clock time of the customer's previous message, when no order request is open yet."""
    if request.order is not None or request.now is None:
        return None
    earlier = [turn.text for turn in request.history if turn.from_customer][-1:]
    for text in earlier:
        asked = find_time(text, request.now, request.time_zone, request.opening)
        if asked is not None and asked.at is not None:
            return asked
    return None


def _local(request: AssistantRequest, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(request.time_zone))


def _known_day(request: AssistantRequest, asked: Asked | None) -> date | None:
    """The day being booked: said now, else the time asked before, else said in earlier messages."""
    if asked is not None and asked.day is not None:
        return asked.day
    if request.order is not None and request.order.requested_at is not None:
        return _local(request, request.order.requested_at).date()
    if request.now is None:
        return None
    for turn in reversed(request.history):
        if turn.from_customer:
            earlier = find_time(turn.text, request.now, request.time_zone, request.opening)
            if earlier is not None and earlier.day is not None:
                return earlier.day
    return None


def _taken_time(
    request: AssistantRequest, asked: Asked, day: date | None
) -> tuple[datetime | None, str]:
    """The time to keep (None: not yet) and what to say about it."""
    if asked.at is None:
        return None, ""
    at = asked.at
    if asked.day is None and day is not None:
        local = _local(request, at)
        at = datetime.combine(day, local.time(), tzinfo=local.tzinfo)
    if request.now is not None and at <= request.now:
        return None, f"Sorry, {at.astimezone(ZoneInfo(request.time_zone)):%H:%M} has passed."
    outside = outside_hours(request.opening, request.time_zone, at)
    if outside:
        closed = hours_on(request.opening, _local(request, at).date()) == "closed"
        return None, ("We are closed that day." if closed else f"Sorry, {outside}")
    return (
        at,
        f"{_local(request, at):%H:%M} {_day_words(request, _local(request, at).date())} works.",
    )


def _question(request: AssistantRequest, needed: list[str], day: date | None, part: str) -> str:
    """ONE question: the time first (for appointments), else every missing detail together."""
    if TIME in needed:
        return _time_question(request, day, part)
    if not needed:
        return ""
    return f"Please share your {_words_list([FIELD_WORDS.get(f, f) for f in needed])}."


def _time_question(request: AssistantRequest, day: date | None, part: str) -> str:
    week = f" Our hours: {request.hours}." if request.hours else ""
    if day is None:
        return f"Which day and time would suit you?{week}"
    hours = hours_on(request.opening, day)
    if hours == "closed":
        return f"We are closed on {WEEKDAY_NAMES[day.weekday()]}s. Which other day suits you?{week}"
    when = " ".join(w for w in (_day_words(request, day), part) if w)
    return f"What time {when}?" + (f" We are open {hours}." if hours else "")


def _day_words(request: AssistantRequest, day: date) -> str:
    """The day as said: "today", "tomorrow", else "on Tuesday 8 December"."""
    if request.now is not None:
        today = _local(request, request.now).date()
        if day == today:
            return "today"
        if day == today + timedelta(days=1):
            return "tomorrow"
    return f"on {WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%B}"


def _last_said(request: AssistantRequest) -> str:
    """The assistant's last message, where it asked for what it needs."""
    return next((turn.text for turn in reversed(request.history) if not turn.from_customer), "")


def _asked_fields(request: AssistantRequest) -> list[str]:
    """The missing details the last message asked for ("share your name and address"), in order."""
    said = _last_said(request).lower()
    asked = said[said.find("your ") :] if "your " in said else ""
    missing = request.order.missing if request.order else ()
    named = [(asked.find(FIELD_WORDS[f]), f) for f in missing if f in FIELD_WORDS]
    return [f for at, f in sorted(named) if at >= 0]


def _bare_answers(request: AssistantRequest) -> dict[str, str]:
    """Details given without a cue, read as the answer to the question just asked.

    "Sana Tariq" answers "Please share your name."; "Sana Tariq, Gulberg mein"
    answers "… your name and address?"; one of them said alone is that one
    (``_one_of``). A part that does not fit its detail (digits in a name, a
    question) makes the whole reply no answer.
    """
    wanted = _asked_fields(request)
    text = request.message.strip()
    if not wanted or "?" in text or not _short(text, limit=SHORT * len(wanted)):
        return {}
    parts = _PARTS.split(text) if len(wanted) > 1 else [text]
    if len(parts) != len(wanted):
        return _one_of(wanted, text, parts)
    found: dict[str, str] = {}
    for name, part in zip(wanted, parts, strict=True):
        value = _fit(name, part.strip(" .!"))
        if not value:
            return {}
        found[name] = value
    return found


def _one_of(wanted: list[str], text: str, parts: list[str]) -> dict[str, str]:
    """One of several details asked for, said alone: a place is the address, else a name the name.

    "House 12, Street 5, DHA Phase 6" (a numbered house, street or block) and
    "Gulberg mein" (a place word) are the address; "Kamran Ali" the name.
    """
    if "address" in wanted and (_STREET.search(text) or _PLACE.search(text)):
        place = _fit("address", text)
        return {"address": place} if place else {}
    name = _name(text.strip(" .!")) if "name" in wanted and len(parts) == 1 else ""
    return {"name": name} if name else {}


def _fit(name: str, value: str) -> str:
    if name == "name":
        return _name(value)
    if name == "address":
        place = _PLACE_TAIL.sub("", value).strip(" ,")
        return place if len(place) >= 3 and any(c.isalpha() for c in place) else ""
    if name == "email":
        found = _EMAIL.fullmatch(value)
        return found.group(0) if found else ""
    return extract_fields(value).get(name, "")


def _name(value: str) -> str:
    """One to four words of letters, none of them filler ("ok", "yes"), capitalised.

    Typed capitalised, two or more words are a name even when the first one
    is also a filler word ("Zara Ahmed"), never when another is ("Theek Hai").
    """
    words = value.split()
    if not 1 <= len(words) <= 4 or not all(_NAME_WORD.match(w) for w in words):
        return ""
    filler = [i for i, w in enumerate(words) if t.canonical(w.lower()) in t.FILLER]
    capitalised = len(words) > 1 and all(w[:1].isupper() for w in words)
    if filler and not (capitalised and filler == [0]):
        return ""
    return " ".join(w[:1].upper() + w[1:] for w in words)


def _thanks(given: dict[str, str]) -> str:
    if not given:
        return ""
    others = [FIELD_WORDS.get(f, f) for f in given if f != "name"]
    if "name" in given:
        noted = f" I have noted your {_words_list(others)}." if others else ""
        return f"Thank you, {given['name']}.{noted}"
    return f"Thank you, I have noted your {_words_list(others)}."


def _short(message: str, limit: int = SHORT) -> bool:
    return 0 < len(message.split()) <= limit


def _words_list(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
