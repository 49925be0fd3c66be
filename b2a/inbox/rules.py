"""The vocabulary of the inbox: transports, states, directions, kinds."""

from __future__ import annotations

from enum import StrEnum

from b2a.errors import Conflict


class Transport(StrEnum):
    """How a tenant's WhatsApp number is connected (SPEC §3)."""

    CLOUD = "cloud"
    WEB = "web"
    SANDBOX = "sandbox"


class ChannelState(StrEnum):
    """Where a channel's connection stands."""

    DISCONNECTED = "DISCONNECTED"
    PAIRING = "PAIRING"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    NEEDS_PAIRING = "NEEDS_PAIRING"
    FAILED = "FAILED"


def web_holds_number(state: str, *, wants_session: bool) -> bool:
    """Whether a WhatsApp-Web channel still holds the tenant's one transport (SPEC §3).

    It does while the tenant wants it running, while a session connects, pairs
    or is connected, and while it is stopped or failed with its pairing possibly
    kept (starting again would reconnect without a QR code). Only a logout, or a
    pairing that never completed, leaves NEEDS_PAIRING with ``wants_session``
    off: this appliance then holds no pairing, so the Cloud API may take over.
    """
    return wants_session or state != ChannelState.NEEDS_PAIRING


class IdentityKind(StrEnum):
    """Ways WhatsApp names one person: phone, web JID/LID, Cloud wa_id, business-scoped id."""

    PHONE = "phone"
    JID = "jid"
    LID = "lid"
    WA_ID = "wa_id"
    BSUID = "bsuid"


class ConversationStatus(StrEnum):
    """Inbox states of a conversation."""

    OPEN = "OPEN"
    ASSIGNED = "ASSIGNED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class Owner(StrEnum):
    """Who answers: the assistant, or humans (the AI stays silent until handed back)."""

    AI = "AI"
    HUMAN = "HUMAN"


class Direction(StrEnum):
    """Which way a message travelled."""

    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class MessageKind(StrEnum):
    """Content types the inbox stores and shows."""

    TEXT = "text"
    IMAGE = "image"
    DOCUMENT = "document"
    AUDIO = "audio"
    VIDEO = "video"
    TEMPLATE = "template"


class Author(StrEnum):
    """Who wrote an outbound message."""

    CUSTOMER = "CUSTOMER"
    AI = "AI"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"


class DeliveryState(StrEnum):
    """Delivery of an outbound message; DEAD is the dead-letter state with a reason."""

    RECEIVED = "RECEIVED"
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"
    DEAD = "DEAD"


ACTIVE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.ASSIGNED)


def status_after(requested: ConversationStatus, *, assigned: bool) -> ConversationStatus:
    """The status a conversation really takes when ``requested``.

    OPEN and ASSIGNED say whether an active conversation has an assignee, so
    they follow the assignee: asking for OPEN while assigned keeps ASSIGNED.
    RESOLVED and CLOSED are taken as asked.

    Raises:
        Conflict: ASSIGNED was asked for a conversation nobody is assigned to.
    """
    if requested not in ACTIVE_STATUSES:
        return requested
    if assigned:
        return ConversationStatus.ASSIGNED
    if requested is ConversationStatus.ASSIGNED:
        raise Conflict("assign someone to the conversation first.", code="NOT_ASSIGNED")
    return ConversationStatus.OPEN
