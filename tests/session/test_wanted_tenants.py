from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.session.process import wanted_tenants
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
