"""``/api/v1/scheduled-messages``: messages to send later, in the tenant's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from b2a.outbox import schedule
from b2a.outbox.rules import ScheduleStatus
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


class ScheduleIn(msgspec.Struct):
    """A text or a template with its variables; a time without offset is the tenant's clock."""

    customer_id: UUID
    send_at: datetime
    text: str = ""
    template_id: UUID | None = None
    variables: dict[str, str] = msgspec.field(default_factory=dict)


class ScheduleController(Controller):
    """Every member of the tenant may schedule, list and cancel."""

    path = "/scheduled-messages"
    opt = {"area": Area.TEMPLATES}
    tags = ["scheduled messages"]

    @get("/", summary="List scheduled messages")
    async def list_schedules(
        self,
        actor: ActorDep,
        status: Annotated[
            ScheduleStatus | None, QueryParameter(description="Only this status.")
        ] = None,
    ) -> list[schedule.ScheduleView]:
        """Soonest first; SENT and FAILED ones stay listed for 30 days."""
        return await schedule.list_scheduled(actor.scope, status=status)

    @post("/", summary="Schedule a message")
    async def create_schedule(
        self, actor: ActorDep, data: JSONBody[ScheduleIn]
    ) -> schedule.ScheduleView:
        """Checked now: a time in the past or a template variable missing is a 422."""
        request = schedule.ScheduleRequest(
            customer_id=data.customer_id,
            send_at=data.send_at,
            text=data.text,
            template_id=data.template_id,
            variables=data.variables,
        )
        row = await schedule.schedule_message(actor.scope, request, created_by=actor.user_id)
        return schedule.view(row)

    @delete("/{schedule_id:uuid}", summary="Cancel a scheduled message")
    async def cancel_schedule(self, actor: ActorDep, schedule_id: FromPath[UUID]) -> None:
        """409 once it is sending, sent, failed or cancelled."""
        await schedule.cancel_scheduled(actor.scope, schedule_id)
