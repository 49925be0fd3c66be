"""What the inbox reads and writes at its edges: msgspec Structs, documented in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from b2a.inbox.rules import ConversationStatus


class LabelOut(msgspec.Struct):
    """A label as shown on a conversation."""

    id: UUID
    name: str
    color: str


class CustomerOut(msgspec.Struct):
    """Who the conversation is with."""

    id: UUID
    name: str
    phone: str
    marketing_opt_out_at: datetime | None = None
    """When they asked WhatsApp for no marketing messages; marketing templates are refused."""


class ConversationOut(msgspec.Struct):
    """A conversation as the inbox lists it."""

    id: UUID
    status: str
    owner: str
    owner_reason: str
    assignee_id: UUID | None
    customer: CustomerOut
    channel_id: UUID
    transport: str
    last_message_at: datetime | None
    last_message_preview: str
    unread_count: int
    window_expires_at: datetime | None
    labels: list[LabelOut]


class ConversationBrief(msgspec.Struct):
    """A conversation as the details panel links to it: when, how it stands, its last words."""

    id: UUID
    status: str
    last_message_at: datetime | None
    last_message_preview: str


class EarlierText(msgspec.Struct):
    """Words an edited message showed before, and when they were written."""

    text: str
    at: str


class QuotedOut(msgspec.Struct):
    """The message a customer quoted, as far as this conversation holds it."""

    id: UUID
    kind: str
    text: str
    direction: str
    deleted: bool


class MessageOut(msgspec.Struct):
    """One message with its delivery state; failures carry WhatsApp's code and plain words.

    ``data`` holds the kind's fields as WhatsApp sent them (a location's
    coordinates, contact cards, a tapped button, form answers, an order, the ad a
    customer came from under ``referral``; a document's ``filename``), see
    ``b2a.whatsapp.inbound``. ``reaction`` is the customer's emoji on this
    message; an edited message has ``edited_at`` and its earlier words in
    ``history``; one the customer deleted has ``deleted_at`` (its words are
    kept only if the business chose to). ``reply_to`` is the WhatsApp id of a
    quoted message and ``quoted`` that message when this conversation holds it.
    """

    id: UUID
    conversation_id: UUID
    direction: str
    author: str
    sent_by: UUID | None
    kind: str
    text: str
    media_mime: str
    media_size: int
    has_media: bool
    template_name: str
    state: str
    error_code: str
    error_detail: str
    attempts: int
    created_at: datetime
    state_changed_at: datetime | None
    data: dict[str, Any] = {}
    reply_to: str = ""
    reaction: str = ""
    edited_at: datetime | None = None
    history: list[EarlierText] = []
    deleted_at: datetime | None = None
    quoted: QuotedOut | None = None
    held_until: datetime | None = None
    """A QUEUED outbound message the sending limit holds: about when it leaves."""


class DeadLetterOut(msgspec.Struct):
    """A message that could not be delivered, with the reason and who it was for."""

    message: MessageOut
    customer: CustomerOut


class ConversationPage(msgspec.Struct):
    """One page of conversations; pass ``next_cursor`` back for the next one (null: the end)."""

    items: list[ConversationOut]
    next_cursor: str | None


class UnreadOut(msgspec.Struct):
    """How many conversations have unread messages."""

    conversations: int


class MessagePage(msgspec.Struct):
    """One page of messages, newest first; ``next_cursor`` reaches further back."""

    items: list[MessageOut]
    next_cursor: str | None


class DeadLetterPage(msgspec.Struct):
    """One page of dead letters, newest first."""

    items: list[DeadLetterOut]
    next_cursor: str | None


class NoteOut(msgspec.Struct):
    """An internal note; customers never see it."""

    id: UUID
    conversation_id: UUID
    author_id: UUID | None
    text: str
    created_at: datetime


class CannedReplyOut(msgspec.Struct):
    """A saved reply, inserted by typing ``/shortcut``."""

    id: UUID
    shortcut: str
    text: str


class ReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    """An agent's reply: ``text``, or ``template_id`` with its ``variables``."""

    text: str = ""
    template_id: UUID | None = None
    variables: dict[str, str] = {}


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    """Assign to a member of the tenant; null unassigns."""

    user_id: UUID | None


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    """The conversation's new inbox state."""

    status: ConversationStatus


class OwnerIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why humans take over (shown in the inbox)."""

    reason: str = ""


class LabelIn(msgspec.Struct, forbid_unknown_fields=True):
    """A label; ``color`` is one of the palette's ``#rrggbb`` (docs/api.md lists them)."""

    name: str
    color: str = "#64748b"


class LabelRef(msgspec.Struct, forbid_unknown_fields=True):
    """Which label to put on a conversation."""

    label_id: UUID


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """The text of an internal note."""

    text: str


class CannedReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    """A saved reply; ``shortcut`` is 1 to 31 letters, digits, - or _ (a leading / is dropped)."""

    shortcut: str
    text: str


class SimulatedMessageIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message the sandbox customer sends, as if from their phone."""

    phone: str
    text: str
    name: str = ""


class SandboxCustomerIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new sandbox test customer; without a name they are shown by their number."""

    name: str = ""


class SandboxCustomerOut(msgspec.Struct):
    """A test customer the team plays in the sandbox, and where their chat stands."""

    id: UUID
    name: str
    phone: str
    """E.164 digits without ``+``, from the range reserved for fiction (+44 7700 900xxx)."""
    created_at: datetime
    conversation_id: UUID | None
    last_message_at: datetime | None
    last_message_preview: str


class SandboxMessageIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message a test customer sends, as if from their phone."""

    text: str


class SimulatedAccepted(msgspec.Struct):
    """The simulated message was accepted; the worker stores it and runs the reply step."""

    event_id: UUID | None
    channel_id: UUID
    phone: str


class ChannelOut(msgspec.Struct):
    """A channel (WhatsApp number) and its connection state."""

    id: UUID
    transport: str
    state: str
    display_phone: str
