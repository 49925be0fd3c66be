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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from b2a.errors import Forbidden, Invalid

MEDIA_KINDS = ("image", "document", "audio", "video", "sticker")


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
class InboundMedia:
    """Media announced by Meta; its URL must be fetched (and copied) within minutes."""

    media_id: str
    mime_type: str
    sha256: str = ""
    filename: str = ""


@dataclass(frozen=True)
class CloudMessage:
    """A customer's message to one of our numbers."""

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


@dataclass(frozen=True)
class CloudStatus:
    """A delivery update (sent, delivered, read, failed) for one of our messages."""

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
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def _text_of(message: Mapping[str, Any], kind: str) -> str:
    if kind == "text":
        return str(message.get("text", {}).get("body", ""))
    if kind in MEDIA_KINDS:
        return str(message.get(kind, {}).get("caption", ""))
    if kind == "button":
        return str(message.get("button", {}).get("text", ""))
    if kind == "interactive":
        reply = message.get("interactive", {})
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return str(chosen.get("title", ""))
    if kind == "location":
        loc = message.get("location", {})
        return f"📍 {loc.get('name') or ''} {loc.get('latitude')},{loc.get('longitude')}".strip()
    return ""


def _media_of(message: Mapping[str, Any], kind: str) -> InboundMedia | None:
    if kind not in MEDIA_KINDS:
        return None
    body = message.get(kind, {})
    return InboundMedia(
        media_id=str(body.get("id", "")),
        mime_type=str(body.get("mime_type", "")),
        sha256=str(body.get("sha256", "")),
        filename=str(body.get("filename", "")),
    )


def _messages(number: str, value: Mapping[str, Any]) -> Iterator[CloudMessage]:
    names = {
        c.get("wa_id"): c.get("profile", {}).get("name", "") for c in value.get("contacts", [])
    }
    user_ids = {c.get("wa_id"): c.get("user_id", "") for c in value.get("contacts", [])}
    for message in value.get("messages", []):
        kind = str(message.get("type", "unknown"))
        sender = str(message.get("from", ""))
        yield CloudMessage(
            phone_number_id=number,
            wamid=str(message["id"]),
            wa_id=sender,
            profile_name=str(names.get(sender) or ""),
            kind="image" if kind == "sticker" else kind,
            text=_text_of(message, kind),
            sent_at=_when(message.get("timestamp")),
            media=_media_of(message, kind),
            user_id=str(user_ids.get(sender) or ""),
            context_wamid=str(message.get("context", {}).get("id", "")),
        )


def _statuses(number: str, value: Mapping[str, Any]) -> Iterator[CloudStatus]:
    for status in value.get("statuses", []):
        yield CloudStatus(
            phone_number_id=number,
            wamid=str(status["id"]),
            status=str(status.get("status", "")),
            recipient=str(status.get("recipient_id", "")),
            at=_when(status.get("timestamp")),
            errors=list(status.get("errors", [])),
            callback_data=str(status.get("biz_opaque_callback_data", "")),
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
