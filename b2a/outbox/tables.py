"""Message templates and scheduled messages."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar

from b2a.inbox.tables import Customer, Message
from b2a.outbox.rules import MetaTemplateStatus, ScheduleStatus, TemplateSource
from b2a.tenants.tables import TenantRecord, User


class MessageTemplate(TenantRecord):
    """A reusable message with ``{{variable}}`` placeholders."""

    source = Varchar(length=5, choices=TemplateSource, default=TemplateSource.LOCAL)
    name = Varchar(length=80)
    language = Varchar(length=12, default="en")
    category = Varchar(length=20, default="", help_text="Meta: MARKETING, UTILITY, AUTHENTICATION")
    body = Text()
    variables = JSON(default=[], help_text="placeholder names, in order")
    meta_status = Varchar(length=10, choices=MetaTemplateStatus, null=True, default=None)
    meta_id = Varchar(length=40, default="")
    quality = Varchar(length=10, default="", help_text="Meta: GREEN, YELLOW, RED, UNKNOWN")
    status_reason = Varchar(length=300, default="", help_text="why Meta rejected or paused it")
    synced_at = Timestamptz(null=True, default=None)


class ScheduledMessage(TenantRecord):
    """A message to send later, in the tenant's time zone."""

    customer = ForeignKey(Customer, on_delete=OnDelete.cascade, null=False)
    text = Text(default="")
    template = ForeignKey(MessageTemplate, on_delete=OnDelete.set_null, null=True)
    variables = JSON(default={})
    send_at = Timestamptz()
    status = Varchar(length=10, choices=ScheduleStatus, default=ScheduleStatus.PENDING)
    attempts = Integer(default=0)
    last_error = Varchar(length=500, default="")
    message = ForeignKey(Message, on_delete=OnDelete.set_null, null=True)
    finished_at = Timestamptz(null=True, default=None, help_text="when it was sent or gave up")
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
