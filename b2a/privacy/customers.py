"""GDPR for one customer: export everything we hold about them, or erase it (SPEC §7).

The export is a zip archive: ``customer.json`` (the customer with their tags,
their WhatsApp identities, every conversation with its messages, notes and labels, their
orders with items and history, scheduled messages) and ``media/`` with every
file they sent or received.

Erasure removes the person, not the business's books: identities, tags,
conversations (with messages, notes and labels), scheduled messages, the raw
inbound events that carried their messages, and every media file are deleted;
orders keep their number, items and totals but lose the collected details; the
customer row stays as a tombstone (no name, phone, email or address,
``erased_at`` set) so those orders still point somewhere. If the person writes
again, WhatsApp's ids no longer match anyone and they start as a new customer.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from piccolo.columns.combination import Combinable

from b2a.audit import service as audit
from b2a.customers.tables import CustomerLabel
from b2a.db.columns import json_value
from b2a.db.transaction import atomic
from b2a.inbox.media import tenant_media_dir
from b2a.inbox.tables import (
    Conversation,
    ConversationLabel,
    Customer,
    CustomerIdentity,
    InboundEvent,
    Message,
    Note,
)
from b2a.lib import clock
from b2a.orders.tables import Order, OrderItem, OrderStatusChange
from b2a.outbox.tables import ScheduledMessage
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


async def export_customer(actor: Actor, customer_id: UUID, *, media_root: Path) -> Path:
    """Write the customer's archive to a private temporary file and return its path.

    The caller streams it and deletes it. Audited.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: no such customer in the actor's tenant.
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    customer = await scope.get(Customer, customer_id)
    document = await _document(scope, customer)
    media = tenant_media_dir(media_root, scope.tenant_id)
    files = [
        str(m["media_file"])
        for c in document["conversations"]
        for m in c["messages"]
        if m["media_file"]
    ]
    path = await asyncio.to_thread(_write_archive, document, media, files)
    await audit.record(actor, "customer.exported", customer=str(customer.id), files=len(files))
    return path


def _write_archive(document: dict[str, Any], media: Path, files: list[str]) -> Path:
    with (
        tempfile.NamedTemporaryFile(prefix="b2a-export-", suffix=".zip", delete=False) as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr("customer.json", json.dumps(document, indent=2, default=str))
        for relative in files:
            source = media / relative
            if source.is_file():
                archive.write(source, f"media/{relative}")
    return Path(handle.name)


async def _document(scope: TenantScope, customer: Customer) -> dict[str, Any]:
    tenant = await Tenant.select(Tenant.name).where(Tenant.id == scope.tenant_id).first()
    return {
        "exported_at": clock.now().isoformat(),
        "business": tenant["name"] if tenant else "",
        "customer": {
            "id": str(customer.id),
            "name": customer.name,
            "phone": customer.phone,
            "email": customer.email,
            "address": customer.address,
            "first_seen_at": customer.created_at,
            "last_seen_at": customer.last_seen_at,
            "tags": [
                row["name"]
                for row in await scope.select(
                    CustomerLabel, CustomerLabel.label.name.as_alias("name")
                ).where(CustomerLabel.customer == customer.id)
            ],
        },
        "whatsapp_ids": await scope.select(
            CustomerIdentity, CustomerIdentity.kind, CustomerIdentity.value
        ).where(CustomerIdentity.customer == customer.id),
        "conversations": await _conversations(scope, customer.id),
        "orders": await _orders(scope, customer.id),
        "scheduled_messages": await scope.select(
            ScheduledMessage,
            ScheduledMessage.send_at,
            ScheduledMessage.text,
            ScheduledMessage.status,
        ).where(ScheduledMessage.customer == customer.id),
    }


async def _conversations(scope: TenantScope, customer_id: UUID) -> list[dict[str, Any]]:
    rows = await scope.select(
        Conversation,
        Conversation.id,
        Conversation.status,
        Conversation.created_at,
        Conversation.channel.transport.as_alias("transport"),
    ).where(Conversation.customer == customer_id)
    conversations = []
    for row in rows:
        messages = (
            await scope.select(
                Message,
                Message.created_at,
                Message.direction,
                Message.author,
                Message.kind,
                Message.text,
                Message.state,
                Message.media_path.as_alias("media_file"),
            )
            .where(Message.conversation == row["id"])
            .order_by(Message.created_at)
        )
        notes = await scope.select(Note, Note.created_at, Note.text).where(
            Note.conversation == row["id"]
        )
        labels = await scope.select(
            ConversationLabel, ConversationLabel.label.name.as_alias("name")
        ).where(ConversationLabel.conversation == row["id"])
        conversations.append(
            {
                **row,
                "id": str(row["id"]),
                "messages": messages,
                "notes": notes,
                "labels": [label["name"] for label in labels],
            }
        )
    return conversations


async def _orders(scope: TenantScope, customer_id: UUID) -> list[dict[str, Any]]:
    orders = await scope.select(
        Order,
        Order.id,
        Order.number,
        Order.status,
        Order.total_minor,
        Order.currency,
        Order.details,
        Order.created_at,
    ).where(Order.customer == customer_id)
    for order in orders:
        order["details"] = json_value(order["details"]) or {}
        order["items"] = await scope.select(
            OrderItem, OrderItem.name, OrderItem.quantity, OrderItem.unit_price_minor
        ).where(OrderItem.order == order["id"])
        order["history"] = await scope.select(
            OrderStatusChange,
            OrderStatusChange.created_at,
            OrderStatusChange.from_status,
            OrderStatusChange.to_status,
            OrderStatusChange.note,
        ).where(OrderStatusChange.order == order["id"])
        order["id"] = str(order["id"])
    return orders


async def erase_customer(
    actor: Actor, customer_id: UUID, *, media_root: Path, now: datetime | None = None
) -> int:
    """Erase the customer (see the module docstring); how many media files were removed.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: no such customer in the actor's tenant.
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    customer = await scope.get(Customer, customer_id)
    conversations = [
        row["id"]
        for row in await scope.select(Conversation, Conversation.id).where(
            Conversation.customer == customer.id
        )
    ]
    messages = await scope.select(Message, Message.wa_message_id, Message.media_path).where(
        Message.conversation.is_in(conversations or [customer.id])
    )
    async with atomic():
        await _forget_events(
            scope, [str(m["wa_message_id"]) for m in messages if m["wa_message_id"]]
        )
        await scope.delete(ScheduledMessage).where(ScheduledMessage.customer == customer.id)
        if conversations:
            await scope.delete(Conversation).where(Conversation.id.is_in(conversations))
        await scope.delete(CustomerIdentity).where(CustomerIdentity.customer == customer.id)
        await scope.delete(CustomerLabel).where(CustomerLabel.customer == customer.id)
        await scope.update(Order, {Order.details: {}}).where(Order.customer == customer.id)
        await scope.update(
            Customer,
            {
                Customer.name: "",
                Customer.phone: "",
                Customer.email: "",
                Customer.address: "",
                Customer.erased_at: now or clock.now(),
            },
        ).where(Customer.id == customer.id)
    removed = await asyncio.to_thread(
        _remove_files,
        tenant_media_dir(media_root, scope.tenant_id),
        [str(m["media_path"]) for m in messages if m["media_path"]],
    )
    await audit.record(actor, "customer.erased", customer=str(customer.id), files=removed)
    return removed


async def _forget_events(scope: TenantScope, wa_ids: list[str]) -> None:
    """The raw events that carried the customer's messages and their delivery updates."""
    for start in range(0, len(wa_ids), 100):
        chunk = wa_ids[start : start + 100]
        carried: Combinable = InboundEvent.dedupe_key.is_in([f"msg:{wa_id}" for wa_id in chunk])
        for wa_id in chunk:
            carried |= InboundEvent.dedupe_key.like(f"status:{wa_id}:%")
        await scope.delete(InboundEvent).where(carried)


def _remove_files(media: Path, files: list[str]) -> int:
    removed = 0
    for relative in files:
        path = (media / relative).resolve()
        if media.resolve() in path.parents and path.is_file():
            path.unlink()
            removed += 1
    return removed
