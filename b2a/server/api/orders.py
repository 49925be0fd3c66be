"""``/api/v1/orders``: order requests, and staff's decisions on them."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from b2a.db import keyset
from b2a.orders import service as orders
from b2a.orders.rules import OrderStatus
from b2a.orders.schemas import OrderCreate, OrderDetailsIn, OrderNoteIn, OrderOut, OrderPage
from b2a.server.api._common import announce
from b2a.server.params import ActorDep, Cursor, Limit
from b2a.tenants.rules import Area

UPDATED = "order.updated"


class OrderController(Controller):
    """Staff and tenant admins read, make and decide order requests."""

    path = "/orders"
    opt = {"area": Area.ORDERS}
    tags = ["orders"]

    @get("/", summary="List orders (keyset pages, newest first)")
    async def list_orders(
        self,
        actor: ActorDep,
        status: FromQuery[OrderStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = keyset.DEFAULT_LIMIT,
    ) -> OrderPage:
        """Pass ``next_cursor`` back as ``cursor`` for more."""
        return await orders.list_orders(actor, status=status, cursor=cursor, limit=limit)

    @get("/{order_id:uuid}", summary="One order: items, total, details, history")
    async def get_order(self, actor: ActorDep, order_id: FromPath[UUID]) -> OrderOut:
        """``missing_fields`` lists what a DRAFT still waits for."""
        return await orders.get_order(actor, order_id)

    @post("/", summary="Make an order request for a conversation's customer")
    async def create_order(
        self, actor: ActorDep, state: State, data: JSONBody[OrderCreate]
    ) -> OrderOut:
        """Priced from the catalogue now; PENDING_APPROVAL when every required detail is known."""
        out = await orders.create_order(actor, data)
        await announce(state, actor, UPDATED, order_id=out.id, status=out.status)
        return out

    @patch("/{order_id:uuid}", summary="Add details or the requested time to a DRAFT")
    async def add_details(
        self,
        actor: ActorDep,
        state: State,
        order_id: FromPath[UUID],
        data: JSONBody[OrderDetailsIn],
    ) -> OrderOut:
        """Complete, it moves to PENDING_APPROVAL; 409 ORDER_LOCKED once it is not a DRAFT.

        A ``requested_at`` outside the opening hours is refused (422, naming that day's hours).
        """
        out = await orders.add_details(
            actor, order_id, data.details, requested_at=data.requested_at
        )
        await announce(state, actor, UPDATED, order_id=out.id, status=out.status)
        return out

    @post("/{order_id:uuid}/approve", status_code=200, summary="Approve")
    async def approve(
        self,
        actor: ActorDep,
        state: State,
        order_id: FromPath[UUID],
        data: JSONBody[OrderNoteIn | None] = None,
    ) -> OrderOut:
        """The customer is told; ``notice`` says why when they could not be."""
        out = await orders.approve_order(actor, order_id, note=data.note if data else "")
        await announce(state, actor, UPDATED, order_id=out.id, status=out.status)
        return out

    @post("/{order_id:uuid}/reject", status_code=200, summary="Reject (a note is required)")
    async def reject(
        self, actor: ActorDep, state: State, order_id: FromPath[UUID], data: JSONBody[OrderNoteIn]
    ) -> OrderOut:
        """The note stays internal; the customer is told the request was declined."""
        out = await orders.reject_order(actor, order_id, note=data.note)
        await announce(state, actor, UPDATED, order_id=out.id, status=out.status)
        return out

    @post("/{order_id:uuid}/complete", status_code=200, summary="Mark an approved order done")
    async def complete(
        self,
        actor: ActorDep,
        state: State,
        order_id: FromPath[UUID],
        data: JSONBody[OrderNoteIn | None] = None,
    ) -> OrderOut:
        """Nothing is sent to the customer."""
        out = await orders.complete_order(actor, order_id, note=data.note if data else "")
        await announce(state, actor, UPDATED, order_id=out.id, status=out.status)
        return out

    @post("/{order_id:uuid}/cancel", status_code=200, summary="Cancel a DRAFT or approved order")
    async def cancel(
        self,
        actor: ActorDep,
        state: State,
        order_id: FromPath[UUID],
        data: JSONBody[OrderNoteIn | None] = None,
    ) -> OrderOut:
        """The customer is told."""
        out = await orders.cancel_order(actor, order_id, note=data.note if data else "")
        await announce(state, actor, UPDATED, order_id=out.id, status=out.status)
        return out
