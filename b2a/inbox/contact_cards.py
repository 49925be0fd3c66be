"""A contact card a customer shared becomes a customer of the business, with a conversation.

The card's first number that WhatsApp names (its ``wa_id``), else its first
phone, is who the new customer is. Someone the business already knows by that
number is not added twice: their conversation on the same channel opens instead.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from b2a.audit import service as audit
from b2a.db.columns import json_value
from b2a.db.transaction import atomic
from b2a.errors import Invalid, NotFound
from b2a.inbox.rules import IdentityKind, MessageKind
from b2a.inbox.storing import conversation_for
from b2a.inbox.tables import Conversation, Customer, CustomerIdentity, Message
from b2a.lib.phone import normalise_phone
from b2a.tenants.actor import Actor


class ContactCardIn(msgspec.Struct, forbid_unknown_fields=True):
    """Which card of a contacts message to add (``card`` counts from 0)."""

    message_id: UUID
    card: int = 0


class CustomerFromCard(msgspec.Struct):
    """The customer the card names and their conversation; ``created`` is False if known."""

    customer_id: UUID
    conversation_id: UUID
    name: str
    phone: str
    created: bool


async def add_card_as_customer(actor: Actor, choice: ContactCardIn) -> CustomerFromCard:
    """Make the person on a shared contact card a customer (or find them), with a conversation.

    Raises:
        NotFound: no such message in this tenant, or it has no card ``choice.card``.
        Invalid: the card has no phone number in international form.
    """
    scope = actor.scope
    message = await scope.get(Message, choice.message_id)
    card = _card(message, choice.card)
    name = str(card.get("name") or "")[:120]
    number = _number(card)
    async with atomic():
        customer_id = await _known(actor, number)
        created = customer_id is None
        if customer_id is None:
            customer_id = await _new_customer(actor, name, number)
        channel = (await scope.get(Conversation, message.conversation)).channel
        thread = await conversation_for(scope, channel, customer_id)
    if created:
        await audit.record(actor, "customer.added_from_card", customer=str(customer_id))
    return CustomerFromCard(customer_id, thread.id, name, number, created)


def _card(message: Message, index: int) -> dict[str, Any]:
    cards = dict(json_value(message.data) or {}).get("contacts") or []
    if message.kind != MessageKind.CONTACTS or not 0 <= index < len(cards):
        raise NotFound(f"this message has no contact card number {index + 1}.")
    return dict(cards[index])


def _number(card: dict[str, Any]) -> str:
    phones = [dict(p) for p in card.get("phones") or []]
    named = [str(p["wa_id"]) for p in phones if p.get("wa_id")]
    typed = [str(p["phone"]) for p in phones if p.get("phone")]
    for raw in (*named, *typed):
        try:
            return normalise_phone(raw)
        except Invalid:
            continue
    raise Invalid(
        "this card has no phone number with a country code, so WhatsApp cannot reach it.",
        field="card",
    )


async def _known(actor: Actor, number: str) -> UUID | None:
    row = await (
        actor.scope.select(CustomerIdentity, CustomerIdentity.customer)
        .where(
            CustomerIdentity.kind.is_in([IdentityKind.WA_ID, IdentityKind.PHONE])
            & (CustomerIdentity.value == number)
        )
        .first()
    )
    if row is not None:
        return UUID(str(row["customer"]))
    customer = (
        await actor.scope.select(Customer, Customer.id).where(Customer.phone == number).first()
    )
    return UUID(str(customer["id"])) if customer else None


async def _new_customer(actor: Actor, name: str, number: str) -> UUID:
    customer = actor.scope.new(Customer, name=name, phone=number)
    await customer.save()
    for kind in (IdentityKind.PHONE, IdentityKind.WA_ID):
        await actor.scope.new(
            CustomerIdentity, customer=customer.id, kind=kind, value=number
        ).save()
    return UUID(str(customer.id))
