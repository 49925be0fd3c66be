"""The vocabulary of the inbox: transports, states, directions, kinds."""

from __future__ import annotations

from enum import StrEnum

from b2a.errors import Conflict
from b2a.whatsapp.web_relay import PAIRING_CODE_TTL_SECONDS, QR_TTL_SECONDS


class Transport(StrEnum):
    """How a tenant's WhatsApp number is connected (SPEC §3)."""

    CLOUD = "cloud"
    WEB = "web"
    SANDBOX = "sandbox"


class ChannelState(StrEnum):
    """Where a channel's connection stands (SPEC §11 "Channels").

    Read with ``Channel.last_error``, which says in plain words why a channel
    FAILED or was LOGGED_OUT. The moves between states are ``TRANSITIONS``.
    """

    NOT_SET_UP = "NOT_SET_UP"
    CONNECTING = "CONNECTING"
    WAITING_FOR_QR_SCAN = "WAITING_FOR_QR_SCAN"
    WAITING_FOR_PAIRING_CODE = "WAITING_FOR_PAIRING_CODE"
    CONNECTED = "CONNECTED"
    FAILED = "FAILED"
    LOGGED_OUT = "LOGGED_OUT"


class ChannelMove(StrEnum):
    """What can happen to a channel: the tenant's actions and what WhatsApp reports."""

    START = "start"
    """The tenant asks to connect (or to try again)."""
    SHOW_QR = "show_qr"
    SHOW_PAIRING_CODE = "show_pairing_code"
    CONNECT = "connect"
    """WhatsApp accepted the connection (the Cloud API: Meta accepted the credentials)."""
    LOSE_CONNECTION = "lose_connection"
    """A connected session dropped and is trying to come back."""
    FAIL = "fail"
    """Could not connect, or gave up waiting; ``last_error`` says why."""
    LOG_OUT = "log_out"
    """The phone unlinked this appliance, or the tenant logged out."""
    DROP = "drop"
    """The tenant gives the channel up: back to not set up, the pairing forgotten."""


_S = ChannelState
_WAITING = (_S.CONNECTING, _S.WAITING_FOR_QR_SCAN, _S.WAITING_FOR_PAIRING_CODE)
_AT_REST = (_S.NOT_SET_UP, _S.FAILED, _S.LOGGED_OUT)

TRANSITIONS: dict[ChannelMove, dict[ChannelState, ChannelState]] = {
    ChannelMove.START: {s: _S.CONNECTING for s in (*_AT_REST, *_WAITING)},
    ChannelMove.SHOW_QR: {s: _S.WAITING_FOR_QR_SCAN for s in _WAITING},
    ChannelMove.SHOW_PAIRING_CODE: {s: _S.WAITING_FOR_PAIRING_CODE for s in _WAITING},
    ChannelMove.CONNECT: {s: _S.CONNECTED for s in (*_AT_REST, *_WAITING, _S.CONNECTED)},
    ChannelMove.LOSE_CONNECTION: {_S.CONNECTED: _S.CONNECTING},
    ChannelMove.FAIL: {s: _S.FAILED for s in (*_WAITING, _S.CONNECTED, _S.FAILED)},
    ChannelMove.LOG_OUT: {s: _S.LOGGED_OUT for s in (*_WAITING, _S.CONNECTED, _S.FAILED)},
    ChannelMove.DROP: {s: _S.NOT_SET_UP for s in _S},
}
"""Every allowed move: ``TRANSITIONS[move][state]`` is the state it leads to.

Starting again from any waiting state restarts the wait; connecting the Cloud
API again (new credentials) keeps it connected; dropping is allowed from
everywhere, so nothing ever has to wait before giving a channel up.
"""

LIVE_STATES = frozenset((*_WAITING, _S.CONNECTED))
"""States in which a channel is, or is becoming, the tenant's number: at most one per tenant."""


CONNECT_SECONDS = 30
"""How long connecting (or reconnecting) may take before the channel FAILED with why."""
_WAIT_SECONDS = {
    _S.CONNECTING: CONNECT_SECONDS,
    _S.WAITING_FOR_QR_SCAN: QR_TTL_SECONDS,
    _S.WAITING_FOR_PAIRING_CODE: PAIRING_CODE_TTL_SECONDS,
    _S.CONNECTED: CONNECT_SECONDS,
}


def wait_seconds(state: str) -> int:
    """The bound of the wait a live state is (a connected one: how long it may go unheld)."""
    return _WAIT_SECONDS.get(ChannelState(state), 0)


def next_state(state: str, move: ChannelMove) -> ChannelState | None:
    """The state ``move`` leads to from ``state``; None when the move is not allowed there."""
    return TRANSITIONS[move].get(ChannelState(state))


def moved(state: str, move: ChannelMove) -> ChannelState:
    """``next_state`` for moves the caller has checked are allowed.

    Raises:
        Conflict: the move is not allowed from ``state``.
    """
    target = next_state(state, move)
    if target is None:
        raise Conflict(
            f"a channel that is {state} cannot {move.replace('_', ' ')}.",
            code="INVALID_TRANSITION",
        )
    return target


def is_live(state: str) -> bool:
    """Whether a channel in ``state`` is, or is becoming, the tenant's number (SPEC §3)."""
    return state in LIVE_STATES


def blocks_other_transport(state: str, *, ever_connected: bool) -> bool:
    """Whether a channel stops the tenant from connecting its number another way.

    Only a connected channel, or one reconnecting a pairing that did connect,
    holds the number. One that never connected, failed, or was logged out never
    blocks: choosing another transport drops it (or stops its retries) instead.
    """
    return state == ChannelState.CONNECTED or (is_live(state) and ever_connected)


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
    """Content types the inbox stores and shows (``Message.data`` holds each one's fields).

    Reactions, edits and deletions are not messages: they change the message
    they point at (``b2a.whatsapp.inbound.ANNOTATIONS``).
    """

    TEXT = "text"
    IMAGE = "image"
    DOCUMENT = "document"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    REPLY = "reply"
    """A tapped button or list row: ``data`` has its id, title and description."""
    FORM = "form"
    """A WhatsApp Flow's answers or a call-permission reply, as fields."""
    ORDER = "order"
    """A cart from the business's WhatsApp catalogue."""
    POLL = "poll"
    SYSTEM = "system"
    """A notice from WhatsApp (a changed number or identity), not the customer's words."""
    UNSUPPORTED = "unsupported"
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
    PLAYED = "PLAYED"
    """A voice note or video the business sent was played."""
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
