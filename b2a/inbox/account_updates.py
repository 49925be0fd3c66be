"""What Meta says about the business account and its numbers, in plain words for a notice.

Each function reads one webhook field's value (Meta's shapes:
``account_update``, ``account_review_update``, ``phone_number_quality_update``,
``business_capability_update``, ``phone_number_name_update``) and returns the
notice to show, or None for news that changes nothing for the business
(a partner app installed, pricing tiers). Notices about the same thing share a
``source_key``, so "restricted" is replaced by "reinstated". The ones that stop
messages (a ban, a restriction, a rejection) are also emailed to the admins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from b2a.tenants.notices import Announcement, Level

Value = Mapping[str, Any]
WHERE = "See Account quality in Meta's WhatsApp Manager for details and to appeal."
RESTRICTIONS = {
    "RESTRICTED_BIZ_INITIATED_MESSAGING": "it cannot start conversations (templates)",
    "RESTRICTED_CUSTOMER_INITIATED_MESSAGING": "it cannot reply to customers",
    "RESTRICTED_ADD_PHONE_NUMBER_ACTION": "it cannot add phone numbers",
}


def _mapping(raw: Any) -> Value:
    """A part of the value that should be an object; anything else reads as empty."""
    return raw if isinstance(raw, Mapping) else {}


def _mappings(raw: Any) -> list[Value]:
    return [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []


def _words(raw: Any) -> str:
    return str(raw or "").replace("_", " ").lower()


def _date(raw: Any) -> str:
    """A Unix time as a date; any other text (Meta writes "April 17, 2025") as it came."""
    try:
        return f"{datetime.fromtimestamp(int(raw), UTC):%d %B %Y}"
    except (TypeError, ValueError, OverflowError, OSError):
        return str(raw or "")


def _danger(kind: str, text: str, key: str, subject: str) -> Announcement:
    return Announcement(kind, Level.DANGER, text, key, email_subject=subject)


def _restriction(value: Value) -> Announcement:
    limits = []
    for item in _mappings(value.get("restriction_info")):
        kind = str(item.get("restriction_type") or "")
        what = RESTRICTIONS.get(kind, _words(kind))
        until = _date(item.get("expiration"))
        limits.append(f"{what} until {until}" if until else what)
    detail = "; ".join(limits) or "some actions are blocked"
    text = f"WhatsApp restricted this business account: {detail}. {WHERE}"
    return _danger(
        "account_update", text, "account:restriction", "WhatsApp restricted your account"
    )


def _violation(value: Value) -> Announcement:
    kind = _words(_mapping(value.get("violation_info")).get("violation_type"))
    about = f" ({kind})" if kind else ""
    text = (
        f"WhatsApp found a policy violation{about} on this business account; more may lead to "
        f"limits or a ban. {WHERE}"
    )
    return Announcement("account_update", Level.WARNING, text, "account:violation")


def _ban(value: Value) -> Announcement:
    info = _mapping(value.get("ban_info"))
    state = str(info.get("waba_ban_state") or "").upper()
    when = _date(info.get("waba_ban_date"))
    on = f" on {when}" if when else ""
    if state == "REINSTATE":
        text = f"WhatsApp reinstated this business account{on}: messages can flow again."
        return Announcement("account_update", Level.INFO, text, "account:ban")
    if state == "SCHEDULE_FOR_DISABLE":
        text = f"WhatsApp will disable this business account{on}. {WHERE}"
    else:
        text = f"WhatsApp disabled this business account{on}: no messages can be sent. {WHERE}"
    return _danger("account_update", text, "account:ban", "WhatsApp disabled your account")


_ACCOUNT_EVENTS: dict[str, Callable[[Value], Announcement]] = {
    "ACCOUNT_RESTRICTION": _restriction,
    "ACCOUNT_VIOLATION": _violation,
    "DISABLED_UPDATE": _ban,
    "ACCOUNT_DELETED": lambda _: _danger(
        "account_update",
        "WhatsApp deleted this business account: its numbers can no longer send or receive.",
        "account:state",
        "WhatsApp deleted your account",
    ),
    "ACCOUNT_OFFBOARDED": lambda _: Announcement(
        "account_update",
        Level.WARNING,
        "This business account was disconnected from its Cloud API setup: messages stop until "
        "it is connected again on the WhatsApp page.",
        "account:state",
    ),
    "ACCOUNT_RECONNECTED": lambda _: Announcement(
        "account_update", Level.INFO, "This business account is connected again.", "account:state"
    ),
    "VERIFIED_ACCOUNT": lambda _: Announcement(
        "account_update", Level.INFO, "WhatsApp verified this business account.", "account:verified"
    ),
    "PARTNER_REMOVED": lambda _: Announcement(
        "account_update",
        Level.WARNING,
        "A partner was removed from this business account. If it was the app b2a sends "
        "through, messages stop: reconnect the number on the WhatsApp page.",
        "account:partner",
    ),
}


def account_update(value: Value) -> Announcement | None:
    """An account event (``account_update``); None for ones that change nothing here."""
    handler = _ACCOUNT_EVENTS.get(str(value.get("event") or "").upper())
    return handler(value) if handler else None


def account_review(value: Value) -> Announcement | None:
    """The outcome of Meta's review of the account (``account_review_update``)."""
    decision = str(value.get("decision") or "").upper()
    if decision == "REJECTED":
        text = f"WhatsApp's review rejected this business account: it cannot send messages. {WHERE}"
        return _danger("account_review", text, "account:review", "WhatsApp rejected your account")
    if decision == "APPROVED":
        text = "WhatsApp's review approved this business account."
    elif decision:
        text = f"WhatsApp's review of this business account is {_words(decision)}."
    else:
        return None
    return Announcement("account_review", Level.INFO, text, "account:review")


def _limit(raw: Any) -> str:
    """Meta's messaging limit (TIER_250, TIER_UNLIMITED, 2000, -1) in words."""
    word = str(raw or "").upper().removeprefix("TIER_")
    if word in ("UNLIMITED", "-1"):
        return "no daily limit"
    if word.endswith("K") and word[:-1].isdigit():
        word = str(int(word[:-1]) * 1000)
    return f"{word} customers a day" if word.isdigit() else _words(raw)


def phone_quality(value: Value) -> Announcement | None:
    """A number's quality or messaging limit changed (``phone_number_quality_update``)."""
    number = str(value.get("display_phone_number") or "")
    event = str(value.get("event") or "").upper()
    limit = _limit(value.get("max_daily_conversations_per_business") or value.get("current_limit"))
    key = f"number:{number}:quality"
    text, level = {
        "FLAGGED": (
            f"The quality of number {number} is low: unless it improves within 7 days, "
            "WhatsApp lowers its messaging limit. Send only messages customers want.",
            Level.WARNING,
        ),
        "UNFLAGGED": (f"The quality of number {number} has recovered.", Level.INFO),
        "DOWNGRADE": (
            f"WhatsApp lowered the messaging limit of number {number} to {limit}.",
            Level.WARNING,
        ),
        "UPGRADE": (
            f"WhatsApp raised the messaging limit of number {number} to {limit}.",
            Level.INFO,
        ),
    }.get(event, (f"Number {number}: messaging limit {limit}.", Level.INFO))
    if not event and not limit:
        return None
    return Announcement("phone_quality", level, text, key)


def business_capability(value: Value) -> Announcement | None:
    """The business's limits changed (``business_capability_update``)."""
    raw = value.get(
        "max_daily_conversations_per_business", value.get("max_daily_conversation_per_phone")
    )
    parts = [f"messaging limit {_limit(raw)}"] if raw is not None else []
    numbers = value.get("max_phone_numbers_per_waba", value.get("max_phone_numbers_per_business"))
    if numbers is not None:
        parts.append(f"at most {numbers} phone numbers")
    if not parts:
        return None
    text = f"WhatsApp set this business's limits: {', '.join(parts)}."
    return Announcement("business_capability", Level.INFO, text, "account:capability")


def phone_name(value: Value) -> Announcement | None:
    """Meta's decision on a number's display name (``phone_number_name_update``)."""
    number = str(value.get("display_phone_number") or "")
    name = str(value.get("requested_verified_name") or "")
    decision = str(value.get("decision") or "").upper()
    key = f"number:{number}:name"
    if decision == "APPROVED":
        return Announcement(
            "phone_name", Level.INFO, f"The name {name!r} of {number} is approved.", key
        )
    if decision == "REJECTED":
        why = _words(value.get("rejection_reason"))
        because = f" ({why})" if why and why != "none" else ""
        text = (
            f"WhatsApp rejected the name {name!r} for number {number}{because}: choose another "
            "in Meta's WhatsApp Manager."
        )
        return Announcement("phone_name", Level.WARNING, text, key)
    if decision:
        text = f"WhatsApp's decision on the name {name!r} of {number}: {_words(decision)}."
        return Announcement("phone_name", Level.INFO, text, key)
    return None


ANNOUNCERS: dict[str, Callable[[Value], Announcement | None]] = {
    "account_update": account_update,
    "account_review_update": account_review,
    "phone_number_quality_update": phone_quality,
    "business_capability_update": business_capability,
    "phone_number_name_update": phone_name,
}
"""The webhook fields that become notices, and what each says."""
