"""Inbox tables: the durable record of every conversation."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)

from b2a.inbox.rules import (
    Author,
    ChannelState,
    ConversationStatus,
    DeliveryState,
    Direction,
    IdentityKind,
    MessageKind,
    Owner,
    Transport,
)
from b2a.tenants.tables import TenantRecord, User


class Channel(TenantRecord):
    """A tenant's WhatsApp number and the transport connecting it."""

    transport = Varchar(length=8, choices=Transport, default=Transport.SANDBOX)
    state = Varchar(length=32, choices=ChannelState, default=ChannelState.NOT_SET_UP)
    display_phone = Varchar(length=20, default="")
    phone_number_id = Varchar(
        length=32, null=True, default=None, unique=True, help_text="Cloud API routing key"
    )
    waba_id = Varchar(length=32, default="")
    credentials = Text(default="", secret=True, help_text="encrypted JSON (tokens, app secret)")
    wants_session = Boolean(default=False, help_text="web: the tenant asked the session to run")
    last_error = Varchar(length=500, default="")
    state_changed_at = Timestamptz(null=True, default=None)
    connected_at = Timestamptz(
        null=True, default=None, help_text="when it last connected; None: it holds no pairing"
    )


class Customer(TenantRecord):
    """A person who writes to the tenant; one row however many WhatsApp ids they have."""

    name = Varchar(length=120, default="")
    phone = Varchar(length=20, default="", index=True, help_text="E.164 without +")
    email = Varchar(length=254, default="")
    address = Text(default="")
    last_seen_at = Timestamptz(null=True, default=None)
    marketing_opt_out_at = Timestamptz(
        null=True, default=None, help_text="when they asked for no marketing messages"
    )
    erased_at = Timestamptz(null=True, default=None, help_text="GDPR erasure")
    sandbox = Boolean(
        default=False, help_text="a test customer the team plays in the sandbox (inbox.simulator)"
    )


class CustomerIdentity(TenantRecord):
    """One WhatsApp id of a customer (phone, JID, LID, wa_id, business-scoped id)."""

    customer = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=8, choices=IdentityKind)
    value = Varchar(length=128)


class Conversation(TenantRecord):
    """The thread between a tenant and one customer on one channel."""

    channel = ForeignKey(Channel, on_delete=OnDelete.cascade, null=False)
    customer = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False, index=True)
    status = Varchar(length=10, choices=ConversationStatus, default=ConversationStatus.OPEN)
    owner = Varchar(length=6, choices=Owner, default=Owner.AI)
    owner_reason = Varchar(
        length=200, default="", help_text="why humans own it (shown in the inbox)"
    )
    assignee = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    last_message_at = Timestamptz(null=True, default=None)
    last_message_preview = Varchar(length=200, default="")
    last_inbound_at = Timestamptz(null=True, default=None)
    window_expires_at = Timestamptz(
        null=True, default=None, help_text="end of the 24-hour customer service window"
    )
    unread_count = Integer(default=0)


class Message(TenantRecord):
    """One message, inbound or outbound, with its delivery state."""

    conversation = ForeignKey(Conversation, on_delete=OnDelete.cascade, null=False)
    direction = Varchar(length=8, choices=Direction)
    author = Varchar(length=8, choices=Author, default=Author.CUSTOMER)
    sent_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    kind = Varchar(length=16, choices=MessageKind, default=MessageKind.TEXT)
    text = Text(default="")
    data = JSON(default={}, help_text="the kind's fields (b2a.whatsapp.inbound), referral")
    reply_to = Varchar(length=128, default="", help_text="WhatsApp id of the quoted message")
    reaction = Varchar(length=32, default="", help_text="the customer's reaction emoji")
    edited_at = Timestamptz(null=True, default=None)
    history = JSON(default=[], help_text="earlier texts of an edited message: [{text, at}]")
    deleted_at = Timestamptz(
        null=True, default=None, help_text="when the customer (or WhatsApp) deleted it"
    )
    media_path = Varchar(length=300, default="", help_text="relative to the tenant's media dir")
    media_mime = Varchar(length=100, default="")
    media_size = Integer(default=0)
    template = JSON(default={}, help_text="name, language and variables of a template send")
    wa_message_id = Varchar(length=128, null=True, default=None, help_text="wamid / web id")
    state = Varchar(length=10, choices=DeliveryState, default=DeliveryState.RECEIVED, index=True)
    error_code = Varchar(length=16, default="")
    error_detail = Varchar(length=500, default="")
    attempts = Integer(default=0)
    ai_confidence = Float(null=True, default=None)
    state_changed_at = Timestamptz(null=True, default=None)
    held_until = Timestamptz(
        null=True, default=None, help_text="outbound: waiting for the sending limit until then"
    )
    replied_at = Timestamptz(
        null=True, default=None, help_text="inbound: when the reply step claimed it (once)"
    )
    assisted_at = Timestamptz(
        null=True, default=None, help_text="inbound: when the assistant took its turn (once)"
    )
    lead_greeting = Text(
        default="", help_text="inbound: the greeting the assistant's turn says first (lead)"
    )
    lead_away = Text(
        default="", help_text="inbound: the away notice the assistant's turn says first (lead)"
    )


class Label(TenantRecord):
    """A tag agents put on conversations."""

    name = Varchar(length=40)
    color = Varchar(length=7, default="#64748b")


class ConversationLabel(TenantRecord):
    """A label on a conversation."""

    conversation = ForeignKey(Conversation, on_delete=OnDelete.cascade, null=False, index=True)
    label = ForeignKey(Label, on_delete=OnDelete.cascade, null=False, index=True)


class Note(TenantRecord):
    """An internal note on a conversation; customers never see it."""

    conversation = ForeignKey(Conversation, on_delete=OnDelete.cascade, null=False, index=True)
    author = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    text = Text()


class CannedReply(TenantRecord):
    """A saved reply inserted with a shortcut such as /hours."""

    shortcut = Varchar(length=32)
    text = Text()


class InboundEvent(TenantRecord):
    """A raw webhook or session event, stored before it is acknowledged (nothing lost)."""

    channel = ForeignKey(Channel, on_delete=OnDelete.cascade, null=True)
    source = Varchar(length=8, choices=Transport)
    dedupe_key = Varchar(length=160, help_text="wamid or status id; unique per tenant")
    payload = JSON(default={})
    processed_at = Timestamptz(null=True, default=None)
    outcome = Varchar(
        length=16, default="", help_text="stored, applied, orphaned, ignored (once processed)"
    )
    attempts = Integer(default=0, help_text="processing attempts that failed or vanished")
    last_error = Varchar(length=500, default="")
    dead_at = Timestamptz(
        null=True, default=None, help_text="given up after its attempts: the dead letters"
    )
