"""What the dashboard shell shows about the actor's business (real rows, nothing invented)."""

from __future__ import annotations

from dataclasses import dataclass

from b2a.billing.tables import Plan
from b2a.inbox.tables import Channel
from b2a.tenants.actor import Actor
from b2a.tenants.tables import Tenant, User


@dataclass(frozen=True)
class ChannelLine:
    """One connected or connectable WhatsApp number."""

    transport: str
    state: str
    phone: str


@dataclass(frozen=True)
class Workspace:
    """The business at a glance."""

    name: str
    plan: str
    members: int
    channels: list[ChannelLine]


async def workspace(actor: Actor) -> Workspace | None:
    """The actor's business; None for a super admin, who belongs to none."""
    if actor.tenant_id is None:
        return None
    scope = actor.scope
    tenant = await Tenant.objects().where(Tenant.id == scope.tenant_id).first()
    if tenant is None:
        return None
    plan = (
        await Plan.select(Plan.name).where(Plan.id == tenant.plan).first() if tenant.plan else None
    )
    channels = await scope.select(
        Channel, Channel.transport, Channel.state, Channel.display_phone
    ).order_by(Channel.created_at)
    return Workspace(
        name=tenant.name,
        plan=plan["name"] if plan else "Free",
        members=int(await scope.count(User)),
        channels=[ChannelLine(c["transport"], c["state"], c["display_phone"]) for c in channels],
    )
