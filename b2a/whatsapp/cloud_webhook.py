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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from b2a.errors import Forbidden, Invalid
from b2a.lib import clock
from b2a.whatsapp import ids
from b2a.whatsapp.cloud_messages import InboundMedia, items, moment, obj, read_content, string

__all__ = [
    "CloudEvent",
    "CloudMessage",
    "CloudStatus",
    "CloudUpdate",
    "Delivery",
    "InboundMedia",
    "answer_handshake",
    "is_delivery",
    "parse_delivery",
    "read_delivery",
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
        """Statuses repeat; one per message and state is enough (both fitted, so it fits)."""
        return f"{ids.message_id(self.wamid)}:{ids.status_word(self.status)}"


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


EARLIEST = datetime(2009, 1, 1, tzinfo=UTC)
"""No WhatsApp message is older than WhatsApp: an earlier timestamp is no timestamp."""
AHEAD = timedelta(days=1)
"""How far ahead of our clock a timestamp may be before it is read as no timestamp."""


def _when(raw: Any) -> datetime:
    """A Unix timestamp as Meta sends it; now for a missing, odd or implausible one.

    A moment from before WhatsApp or far in the future would pin a conversation to the
    top of the list and open a 24-hour window that never closes (or overflow it).
    """
    now = clock.now()
    at = moment(raw)
    return at if at is not None and EARLIEST <= at <= now + AHEAD else now


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
    """One message, or None (logged) when it names no message id or no sender.

    Every id passes its rule (``b2a.whatsapp.ids``): an over-long message id is
    kept as its digest, a ``from`` that is not a phone number is no phone number.
    """
    names, user_ids = senders
    raw_sender = string(message.get("from"))
    wamid, sender = ids.message_id(string(message.get("id"))), ids.phone(raw_sender)
    # A customer WhatsApp names only by a business-scoped user id has no ``from``;
    # a changed user id names the customer by the id they had.
    raw_user_id = (
        string(message.get("from_user_id"))
        or user_ids.get(raw_sender, "")
        or string(obj(message.get("system")).get("previous_user_id"))
    )
    user_id = ids.opaque_id(raw_user_id)
    if not wamid or not (sender or user_id):
        log.warning(
            "a Cloud API message of type %r without %s was skipped",
            string(message.get("type"))[:40],
            "an id" if not wamid else "a sender",
        )
        return None
    content = read_content(message, errors)
    return CloudMessage(
        phone_number_id=number,
        wamid=wamid,
        wa_id=sender,
        profile_name=names.get(raw_sender) or names.get(raw_user_id, ""),
        kind=content.kind.value,
        text=content.text,
        sent_at=_when(message.get("timestamp")),
        media=content.media,
        user_id=user_id,
        context_wamid=ids.message_id(string(obj(message.get("context")).get("id"))),
        data=content.data,
        target_id=ids.message_id(content.target_id),
        raw=message,
    )


@dataclass
class Delivery:
    """What one webhook delivery holds: its events, and how many parts were skipped.

    A part is skipped (and logged) when it is not the shape Meta documents: an
    entry, change or value that is not an object, a message without an id or a
    sender, a status without a message id, a change without a field name.
    """

    events: list[CloudEvent] = field(default_factory=list)
    skipped: int = 0

    def skip(self, what: str) -> None:
        """Count one unusable part and say which."""
        self.skipped += 1
        log.warning("a Cloud API webhook part was skipped: %s", what)

    def listed(self, container: Mapping[str, Any], key: str) -> list[Any]:
        """``container[key]`` as a list: missing is empty, anything but a list is skipped."""
        value = container.get(key)
        if key not in container or isinstance(value, list):
            return items(value)
        self.skip(f"{key} is not a list")
        return []


def _messages(number: str, value: Mapping[str, Any], delivery: Delivery) -> None:
    senders = _senders(value)
    errors = [error for error in items(value.get("errors")) if isinstance(error, dict)]
    for message in delivery.listed(value, "messages"):
        if not isinstance(message, dict):
            delivery.skip("a message that is not an object")
            continue
        parsed = _message(number, message, senders, errors)
        if parsed is None:
            delivery.skipped += 1  # _message said why
        else:
            delivery.events.append(parsed)


def _statuses(number: str, value: Mapping[str, Any], delivery: Delivery) -> None:
    """Every status as Meta names it (sent, delivered, read, played, failed, deleted, …)."""
    for status in delivery.listed(value, "statuses"):
        wamid = ids.message_id(string(obj(status).get("id")))
        if not isinstance(status, dict) or not wamid:
            delivery.skip("a status without a message id")
            continue
        delivery.events.append(
            CloudStatus(
                phone_number_id=number,
                wamid=wamid,
                status=ids.status_word(string(status.get("status"))),
                recipient=ids.phone(string(status.get("recipient_id"))),
                at=_when(status.get("timestamp")),
                errors=[error for error in items(status.get("errors")) if isinstance(error, dict)],
                callback_data=string(status.get("biz_opaque_callback_data"))[:CALLBACK_MAX],
            )
        )


CALLBACK_MAX = 512
"""Meta's limit on ``biz_opaque_callback_data``; b2a puts a message id (36 characters) there."""


CloudEvent = CloudMessage | CloudStatus | CloudUpdate


def _update(
    waba_id: str, number: str, name: str, value: Any, entry: Mapping[str, Any]
) -> CloudUpdate:
    value = value if isinstance(value, dict) else {"value": value}
    return CloudUpdate(
        field=name,
        waba_id=waba_id,
        phone_number_id=number,
        value=value,
        at=_when(entry.get("time") or value.get("timestamp")),
    )


def read_delivery(payload: Any) -> Delivery:
    """Every message, status and other change in one webhook body, in order; never raises.

    Whatever the body's shape (any JSON at all), what Meta documents is read and
    everything else is skipped and counted: one odd part never costs the rest.
    A body that is not a WhatsApp Business Account webhook at all holds nothing.
    """
    delivery = Delivery()
    if not is_delivery(payload):
        delivery.skip("the body is not a WhatsApp Business Account webhook")
        return delivery
    for entry in delivery.listed(payload, "entry"):
        if not isinstance(entry, dict):
            delivery.skip("an entry that is not an object")
            continue
        waba_id = ids.meta_id(string(entry.get("id")))
        for change in delivery.listed(entry, "changes"):
            value = obj(change).get("value")
            name = ids.field_name(string(obj(change).get("field")))
            if not name:
                delivery.skip("a change without a field name")
                continue
            number = ids.meta_id(string(obj(obj(value).get("metadata")).get("phone_number_id")))
            if name != "messages":
                delivery.events.append(_update(waba_id, number, name, value, entry))
            elif not isinstance(value, dict):
                delivery.skip("a messages change whose value is not an object")
            else:
                _messages(number, value, delivery)
                _statuses(number, value, delivery)
    return delivery


def is_delivery(payload: Any) -> bool:
    """Whether a parsed body is a WhatsApp Business Account webhook at all."""
    return isinstance(payload, dict) and payload.get("object") == "whatsapp_business_account"


def parse_delivery(payload: Any) -> list[CloudEvent]:
    """Every message, status and other change in one webhook delivery, in order.

    Raises:
        Invalid: the payload is not a WhatsApp Business Account webhook.
    """
    if not is_delivery(payload):
        raise Invalid("not a WhatsApp Business Account webhook.")
    return read_delivery(payload).events
