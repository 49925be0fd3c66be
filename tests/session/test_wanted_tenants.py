import pytest

from b2a.errors import Forbidden
from b2a.inbox import web_session
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.session.process import wanted_tenants
from b2a.system import switches
from b2a.tenants.actor import Actor
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


async def test_only_active_whatsapp_enabled_tenants_that_asked_get_a_session(cast):
    acme, globex = cast.acme_owner.tenant_id, cast.globex_owner.tenant_id
    for tenant_id in (acme, globex):
        await (
            TenantScope(tenant_id).new(Channel, transport=Transport.WEB, wants_session=True).save()
        )
    assert sorted(await wanted_tenants()) == sorted([str(acme), str(globex)])
    await Tenant.update({Tenant.status: TenantStatus.SUSPENDED}).where(Tenant.id == globex).run()
    assert await wanted_tenants() == [str(acme)]
    await Tenant.update({Tenant.whatsapp_enabled: False}).where(Tenant.id == acme).run()
    assert await wanted_tenants() == []


async def test_the_global_whatsapp_switch_stops_every_session_and_every_start(cast, redis):
    operator = Actor.operator("tests")
    acme = cast.acme_owner.tenant_id
    await TenantScope(acme).new(Channel, transport=Transport.WEB, wants_session=True).save()
    await switches.set_whatsapp_globally(operator, False)
    assert await wanted_tenants() == []
    with pytest.raises(Forbidden) as refused:
        await web_session.start_session(TenantScope(acme), redis)
    assert refused.value.code == "WHATSAPP_DISABLED_GLOBALLY"
    await switches.set_whatsapp_globally(operator, True)
    assert await wanted_tenants() == [str(acme)]
    assert await switches.ai_enabled_globally(), "the switches are independent"
