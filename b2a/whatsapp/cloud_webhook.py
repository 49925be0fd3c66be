"""The Cloud API webhook: verification handshake, signature check and payload parsing.

Meta signs the raw request body with the app secret (``X-Hub-Signature-256:
sha256=<hex>``). The signature is checked before the body is parsed, in constant
time. Parsing turns one delivery (which can batch several messages and statuses
for several numbers) into plain events routed by ``phone_number_id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from b2a.errors import Forbidden, Invalid
from b2a.whatsapp.cloud_messages import InboundMedia, items, moment, obj, read_content, string

__all__ = [
    "CloudEvent",
    "CloudMessage",
    "CloudStatus",
    "CloudUpdate",
    "InboundMedia",
    "answer_handshake",
    "parse_delivery",
    "signature_is_valid",
]

log = logging.getLogger(__name__)


def signature_is_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the HMAC-SHA256 of ``body`` under ``app_secret``."""
    if not header or not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def answer_handshake(params: Mapping[str, str], verify_token: str) -> str:
    """The ``hub.challenge`` to echo when Meta verifies the webhook URL.

    Raises:
        Forbidden: the mode is not ``subscribe`` or the token does not match.
    """
    token = params.get("hub.verify_token", "")
    if params.get("hub.mode") != "subscribe" or not verify_token:
        raise Forbidden("not a webhook verification request.")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise Forbidden("the verify token does not match.")
    return params.get("hub.challenge", "")


@dataclass(frozen=True)
class CloudMessage:
    """A customer's message to one of our numbers, its content read by ``cloud_messages``.

    ``wa_id`` (the phone number) is empty for a customer WhatsApp names only by a
    business-scoped ``user_id``; ``raw`` is the message object exactly as Meta sent it.
    """

    phone_number_id: str
    wamid: str
    wa_id: str
    profile_name: str
    kind: str
    text: str
    sent_at: datetime
    media: InboundMedia | None = None
    user_id: str = ""
    context_wamid: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    target_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CloudStatus:
    """A delivery update for one of our messages, ``status`` exactly as Meta names it.

    Besides sent, delivered, read and failed, Meta sends played (a voice note was
    listened to), deleted and warning; none is dropped or renamed here.
    """

    phone_number_id: str
    wamid: str
    status: str
    recipient: str
    at: datetime
    errors: list[dict[str, Any]] = field(default_factory=list)
    callback_data: str = ""
    """Our message id, echoed from the send: it finds a message whose wamid we never learned."""

    @property
    def dedupe_key(self) -> str:
        """Statuses repeat; one per message and state is enough."""
        return f"{self.wamid}:{self.status}"


@dataclass(frozen=True)
class CloudUpdate:
    """Any other change Meta reports: templates, the account, number quality, preferences.

    ``value`` is the change exactly as Meta sent it; the worker decides what it
    means (``b2a.inbox.updates``). Template and account changes are about the
    business account (``waba_id``, the entry's id) and name no number.
    """

    field: str
    waba_id: str
    phone_number_id: str
    value: dict[str, Any]
    at: datetime

    @property
    def dedupe_key(self) -> str:
        """Meta redelivers changes unchanged; the same change is accepted once."""
        body = json.dumps([self.field, self.waba_id, self.value], sort_keys=True, default=str)
        return f"{self.field}:{hashlib.sha256(body.encode()).hexdigest()[:32]}"


def _when(raw: Any) -> datetime:
    return moment(raw) or datetime.now(UTC)


def _senders(value: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Profile names (by phone and by user id) and user ids (by phone) from ``contacts``."""
    names: dict[str, str] = {}
    user_ids: dict[str, str] = {}
    for contact in map(obj, items(value.get("contacts"))):
        wa_id, user_id = string(contact.get("wa_id")), string(contact.get("user_id"))
        name = string(obj(contact.get("profile")).get("name"))
        names.update({key: name for key in (wa_id, user_id) if key})
        if wa_id and user_id:
            user_ids[wa_id] = user_id
    return names, user_ids


def _message(
    number: str,
    message: dict[str, Any],
    senders: tuple[dict[str, str], dict[str, str]],
    errors: list[Any],
) -> CloudMessage | None:
    """One message, or None (logged) when it names no message id or no sender."""
    names, user_ids = senders
    wamid, sender = string(message.get("id")), string(message.get("from"))
    # A customer WhatsApp names only by a business-scoped user id has no ``from``;
    # a changed user id names the customer by the id they had.
    user_id = (
        string(message.get("from_user_id"))
        or user_ids.get(sender, "")
        or string(obj(message.get("system")).get("previous_user_id"))
    )
    if not wamid or not (sender or user_id):
        log.warning(
            "a Cloud API message of type %r without %s was skipped",
            string(message.get("type")),
            "an id" if not wamid else "a sender",
        )
        return None
    content = read_content(message, errors)
    return CloudMessage(
        phone_number_id=number,
        wamid=wamid,
        wa_id=sender,
        profile_name=names.get(sender) or names.get(user_id, ""),
        kind=content.kind.value,
        text=content.text,
        sent_at=_when(message.get("timestamp")),
        media=content.media,
        user_id=user_id,
        context_wamid=string(obj(message.get("context")).get("id")),
        data=content.data,
        target_id=content.target_id,
        raw=message,
    )


def _messages(number: str, value: Mapping[str, Any]) -> Iterator[CloudMessage]:
    senders = _senders(value)
    errors = [error for error in items(value.get("errors")) if isinstance(error, dict)]
    for message in map(obj, items(value.get("messages"))):
        parsed = _message(number, message, senders, errors)
        if parsed is not None:
            yield parsed


def _statuses(number: str, value: Mapping[str, Any]) -> Iterator[CloudStatus]:
    """Every status as Meta names it (sent, delivered, read, played, failed, deleted, …)."""
    for status in map(obj, items(value.get("statuses"))):
        wamid = string(status.get("id"))
        if not wamid:
            log.warning("a Cloud API status without a message id was skipped")
            continue
        yield CloudStatus(
            phone_number_id=number,
            wamid=wamid,
            status=string(status.get("status")),
            recipient=string(status.get("recipient_id")),
            at=_when(status.get("timestamp")),
            errors=[error for error in items(status.get("errors")) if isinstance(error, dict)],
            callback_data=string(status.get("biz_opaque_callback_data")),
        )


CloudEvent = CloudMessage | CloudStatus | CloudUpdate


def _update(
    waba_id: str, number: str, change: Mapping[str, Any], entry: Mapping[str, Any]
) -> CloudUpdate:
    value = change.get("value", {})
    return CloudUpdate(
        field=str(change.get("field", "")),
        waba_id=waba_id,
        phone_number_id=number,
        value=dict(value) if isinstance(value, Mapping) else {"value": value},
        at=_when(entry.get("time") or value.get("timestamp")),
    )


def parse_delivery(payload: Mapping[str, Any]) -> list[CloudEvent]:
    """Every message, status and other change in one webhook delivery, in order.

    Raises:
        Invalid: the payload is not a WhatsApp Business Account webhook.
    """
    if payload.get("object") != "whatsapp_business_account":
        raise Invalid("not a WhatsApp Business Account webhook.")
    events: list[CloudEvent] = []
    try:
        for entry in payload.get("entry", []):
            for change in entry.get("changes", []):
                value = change.get("value", {})
                number = str(value.get("metadata", {}).get("phone_number_id", ""))
                if change.get("field") != "messages":
                    events.append(_update(str(entry.get("id", "")), number, change, entry))
                    continue
                events.extend(_messages(number, value))
                events.extend(_statuses(number, value))
    except (KeyError, AttributeError, TypeError) as exc:
        raise Invalid(f"malformed webhook payload ({exc}).") from None
    return events
