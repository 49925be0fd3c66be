"""What the automatic-reply tests set up: a tenant's greeting, away message and hours."""

from b2a.assistant.tables import AssistantConfig
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.tenants.tables import Tenant, WorkingHours


async def replying_tenant(scope, *, greeting="", away="", closed_all_week=False, assistant=False):
    """The tenant's greeting and away message set (its assistant off unless asked); a channel."""
    if not assistant:
        await scope.new(AssistantConfig, enabled=False).save()
    await Tenant.update({Tenant.greeting_message: greeting, Tenant.away_message: away}).where(
        Tenant.id == scope.tenant_id
    )
    if closed_all_week:
        for weekday in range(7):
            await scope.new(WorkingHours, weekday=weekday, closed=True).save()
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    return channel.id
