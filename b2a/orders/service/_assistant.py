"""The order requests the assistant makes while it answers (SPEC §5).

Called from the assistant's turn, inside the transaction that stores its reply,
so the reply and the order it speaks of commit together or not at all (a
retried turn never makes a second order). The assistant only ever asks: it
opens or completes a request, and the customer is told it awaits the team's
approval; only staff move it further.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from b2a.assistant.shapes import Intent, ItemRef, OrderInProgress, OrderLine
from b2a.catalog.money import format_price
from b2a.db.columns import json_value
from b2a.db.sql import Statement
from b2a.db.transaction import lock_row
from b2a.errors import Invalid, NotFound
from b2a.inbox.tables import Conversation
from b2a.orders.rules import OrderStatus, missing_fields, request_line, request_summary
from b2a.orders.service._history import assistant_actor
from b2a.orders.service._pricing import read_lines
from b2a.orders.service._read import required_fields
from b2a.orders.service._requests import amend_draft, checked_time, clean_details, open_request
from b2a.orders.tables import Order
from b2a.tenants.hours import spoken
from b2a.tenants.locale import business_zone
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

log = logging.getLogger(__name__)

UNABLE = "Our team will look at this request and reply here."
# Every assistant turn asks (``order_in_progress``): hand-written, not built by Piccolo.
_IN_PROGRESS = Statement(
    """SELECT id, number, status, details, total_minor, currency, requested_at
    FROM customer_order
    WHERE tenant = :tenant AND conversation = :conversation AND status IN (:draft, :pending)
    ORDER BY created_at DESC
    LIMIT 1"""
)


@dataclass(frozen=True)
class TakenOrder:
    """What the turn does with an order request: the line its reply ends with.

    ``problem`` says why no request could be made (humans take over); then
    ``order_id`` is None.
    """

    line: str
    order_id: UUID | None = None
    status: OrderStatus | None = None
    problem: str = ""


async def take_order(
    scope: TenantScope,
    conversation_id: UUID,
    intent: Intent,
    items: Sequence[ItemRef],
    fields: Mapping[str, str],
    *,
    requested_at: datetime | None = None,
) -> TakenOrder | None:
    """Open or complete the conversation's order request; None when the reply makes none.

    1. An ORDER naming catalogue services adds them to the conversation's open
       DRAFT, or opens a new request; DETAILS complete an open DRAFT. Nothing
       else touches orders.
    2. The tenant's row is locked first (it also numbers the order), so two
       turns of one conversation never open two drafts.
    3. A request that cannot be made (a service deactivated a moment ago,
       services in two currencies) is no error for the customer: the reply
       says the team will look at it, and humans take over with the reason.
    4. A ``requested_at`` is kept when it falls inside the opening hours; one
       outside them (a remote model's slip) is left out, so the request still
       waits for a time.

    Call inside the turn's ``atomic()``.
    """
    wanted = {item.service_id: item.quantity for item in items}
    if not (intent is Intent.ORDER and wanted) and intent is not Intent.DETAILS:
        return None
    at = await _kept_time(scope, requested_at)
    await lock_row(Tenant, scope.tenant_id)
    draft = (
        await scope.objects(Order)
        .where((Order.conversation == conversation_id) & (Order.status == OrderStatus.DRAFT))
        .order_by(Order.created_at, ascending=False)
        .first()
    )
    if draft is None and not wanted:
        return None
    given = clean_details(fields, strict=False)
    actor = assistant_actor(scope)
    order: Order | None
    try:
        if draft is None:
            conversation = await scope.get(Conversation, conversation_id)
            order = await open_request(
                scope, actor, conversation, wanted, given, by_ai=True, requested_at=at
            )
        else:
            order = await amend_draft(scope, actor, draft, wanted, given, at)
    except (Invalid, NotFound) as exc:
        log.info("conversation %s: no order request: %s", conversation_id, exc.message)
        return TakenOrder(UNABLE, problem=f"The order request could not be made: {exc.message}")
    if order is None:
        return None
    return await _summary(scope, order, await _taken(scope, order))


async def _kept_time(scope: TenantScope, requested_at: datetime | None) -> datetime | None:
    if requested_at is None:
        return None
    try:
        return await checked_time(scope, requested_at)
    except Invalid as exc:
        log.info("requested time left out: %s", exc.message)
        return None


async def _taken(scope: TenantScope, order: Order) -> TakenOrder:
    status = OrderStatus(order.status)
    details = {str(k): str(v) for k, v in (json_value(order.details) or {}).items()}
    at = order.requested_at
    missing = missing_fields(await required_fields(scope), details, has_time=at is not None)
    total = format_price(order.total_minor, order.currency)
    when = spoken(at, (await business_zone(scope.tenant_id)).key) if at else ""
    line = request_line(status, order.number, total, missing, when)
    return TakenOrder(line, order.id, status)


async def order_in_progress(
    scope: TenantScope, conversation_id: UUID, required: Sequence[str]
) -> OrderInProgress | None:
    """The conversation's newest order request still before the team's decision, with its lines.

    A DRAFT still collects items and details (``required``: ``required_fields``,
    which the caller has read already); one waiting for approval can only be
    talked about. Later orders are the team's business, not the assistant's.
    """
    order = await scope.fetchrow(
        _IN_PROGRESS,
        conversation=conversation_id,
        draft=OrderStatus.DRAFT,
        pending=OrderStatus.PENDING_APPROVAL,
    )
    if order is None:
        return None
    lines = (await read_lines(scope, order["id"])).values()
    details = {str(k): str(v) for k, v in (json_value(order["details"]) or {}).items()}
    requested_at = order["requested_at"]
    draft = order["status"] == OrderStatus.DRAFT
    return OrderInProgress(
        number=order["number"],
        status=order["status"],
        lines=tuple(
            OrderLine(line.service_id, line.name, line.quantity, line.unit_price_minor)
            for line in lines
        ),
        total_minor=order["total_minor"],
        currency=order["currency"],
        requested_at=requested_at,
        missing=tuple(missing_fields(required, details, has_time=requested_at is not None))
        if draft
        else (),
    )


async def _summary(scope: TenantScope, order: Order, taken: TakenOrder) -> TakenOrder:
    """The request line after every line of the order, each at the price it was requested at."""
    lines = (await read_lines(scope, order.id)).values()
    listed = [
        (item.name, item.quantity, format_price(item.unit_price_minor, order.currency))
        for item in lines
    ]
    return TakenOrder(request_summary(listed, taken.line), taken.order_id, taken.status)
