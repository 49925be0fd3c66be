import pytest

from b2a.billing.tables import Plan
from b2a.errors import Conflict, Forbidden
from b2a.privacy.tenants import erase_tenant
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role, TenantStatus
from b2a.tenants.tables import Tenant, User


async def test_it_creates_a_tenant_with_its_first_admin(db):
    tenant, login = await tenants.create_tenant(
        Actor.operator(), "Café Noor", admin_email="Owner@Noor.test"
    )
    assert tenant.slug == "cafe-noor"
    assert login.email == "owner@noor.test" and login.password
    user = await User.objects().where(User.email == "owner@noor.test").first()
    assert user.role == Role.TENANT_ADMIN and user.tenant == tenant.id
    assert user.password_hash.startswith("$argon2id$")


async def test_a_new_tenant_starts_on_the_free_plan_with_its_limits(db):
    starter = Plan(name="Starter", is_free=True, ai_daily_limit=20, ai_monthly_limit=300)
    await starter.save()
    tenant, _ = await tenants.create_tenant(Actor.operator(), "Noor", admin_email="o@noor.test")
    row = await Tenant.objects().where(Tenant.id == tenant.id).first()
    assert (row.plan, row.ai_daily_limit, row.ai_monthly_limit) == (starter.id, 20, 300)


async def test_it_refuses_a_second_account_for_one_email(cast):
    with pytest.raises(Conflict) as info:
        await tenants.create_tenant(Actor.operator(), "Other", admin_email="owner@acme.test")
    assert info.value.code == "EMAIL_EXISTS"


async def test_a_tenant_admin_cannot_create_super_admins(cast):
    with pytest.raises(Forbidden):
        await tenants.create_user(cast.acme_owner.actor, "x@acme.test", role=Role.SUPER_ADMIN)


async def test_staff_cannot_create_users(cast):
    with pytest.raises(Forbidden):
        await tenants.create_user(cast.acme_agent.actor, "y@acme.test")


async def test_suspend_and_erase(cast, tmp_path):
    op = Actor.operator()
    await tenants.set_tenant_status(op, cast.acme_owner.tenant_id, TenantStatus.SUSPENDED)
    listed = {t.slug: t for t in await tenants.list_tenants()}
    assert listed["acme"].status == "SUSPENDED" and listed["acme"].users == 2
    media = tmp_path / str(cast.acme_owner.tenant_id)
    media.mkdir()
    (media / "photo.jpg").write_bytes(b"x")
    await erase_tenant(op, cast.acme_owner.tenant_id, media_root=tmp_path)
    assert not media.exists()
    assert await Tenant.count().run() == 1
    assert await User.count().where(User.email.like("%acme.test")).run() == 0
