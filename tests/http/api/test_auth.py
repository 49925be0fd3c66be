"""Who may call the API: a live token of an active member of an active tenant, in their role."""

from datetime import timedelta

import pytest

from b2a.errors import Forbidden
from b2a.lib import clock
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token, revoke_api_token, verify_api_token
from b2a.tenants.rules import Role, TenantStatus
from b2a.tenants.tables import ApiToken, Tenant, User

OPERATOR = Actor.operator("tests")


async def test_no_token_or_a_wrong_one_is_401(client, tokens):
    for headers in ({}, {"Authorization": "Bearer b2a_nope"}, {"Authorization": "Basic x"}):
        response = await client.get("/api/v1/conversations", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"


async def test_the_meta_route_stays_public(client):
    assert (await client.get("/api/v1/meta")).json()["api"] == "v1"


async def test_a_token_works_until_it_is_revoked(client, cast):
    new = await create_api_token(OPERATOR, cast.acme_agent.email, name="crm")
    headers = {"Authorization": f"Bearer {new.token}"}
    assert (await client.get("/api/v1/conversations", headers=headers)).status_code == 200
    await revoke_api_token(OPERATOR, new.prefix)
    response = await client.get("/api/v1/conversations", headers=headers)
    assert response.status_code == 401


async def test_only_the_hash_is_stored_and_use_is_stamped_at_most_once_a_minute(cast):
    new = await create_api_token(OPERATOR, cast.acme_owner.email, name="zapier")
    row = await ApiToken.objects().where(ApiToken.id == new.id).first()
    assert new.token.startswith("b2a_") and new.token not in (row.token_hash, row.prefix)
    actor = await verify_api_token(new.token)
    assert actor.user_id == cast.acme_owner.actor.user_id
    assert actor.tenant_id == cast.acme_owner.tenant_id
    first = (await ApiToken.objects().where(ApiToken.id == new.id).first()).last_used_at
    await verify_api_token(new.token)
    again = (await ApiToken.objects().where(ApiToken.id == new.id).first()).last_used_at
    assert first is not None and again == first
    stale = clock.now() - timedelta(minutes=5)
    await ApiToken.update({ApiToken.last_used_at: stale}).where(ApiToken.id == new.id)
    await verify_api_token(new.token)
    later = (await ApiToken.objects().where(ApiToken.id == new.id).first()).last_used_at
    assert later > stale


async def test_a_deactivated_user_or_suspended_tenant_loses_access(client, cast, tokens):
    await User.update({User.is_active: False}).where(User.email == cast.acme_agent.email)
    response = await client.get("/api/v1/conversations", headers=tokens.acme_agent)
    assert response.status_code == 401
    await Tenant.update({Tenant.status: TenantStatus.SUSPENDED}).where(
        Tenant.id == cast.acme_owner.tenant_id
    )
    response = await client.get("/api/v1/conversations", headers=tokens.acme_owner)
    assert response.status_code == 401


async def test_staff_may_not_do_what_is_reserved_for_tenant_admins(client, tokens):
    body = {"shortcut": "hours", "text": "We open at 9."}
    refused = await client.post("/api/v1/canned-replies", json=body, headers=tokens.acme_agent)
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    allowed = await client.post("/api/v1/canned-replies", json=body, headers=tokens.acme_owner)
    assert allowed.status_code == 201


async def test_a_super_admin_token_opens_the_admin_api_and_no_tenant_token_does(
    client, cast, tokens
):
    await tenants.create_user(
        OPERATOR, "op@b2a.test", password="correct horse battery", role=Role.SUPER_ADMIN
    )
    new = await create_api_token(OPERATOR, "op@b2a.test", name="ops script")
    row = await ApiToken.objects().where(ApiToken.id == new.id).first()
    assert row.tenant is None
    operator = {"Authorization": f"Bearer {new.token}"}
    allowed = await client.get("/api/v1/admin/ai", headers=operator)
    assert allowed.status_code == 200 and "tiers" in allowed.json()
    refused = await client.get("/api/v1/admin/ai", headers=tokens.acme_owner)
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    tenant_api = await client.get("/api/v1/conversations", headers=operator)
    assert tenant_api.status_code == 403, "a super admin's token has no tenant to act in"


async def test_a_super_admin_token_stops_when_its_user_is_deactivated(client, cast):
    await tenants.create_user(
        OPERATOR, "op@b2a.test", password="correct horse battery", role=Role.SUPER_ADMIN
    )
    new = await create_api_token(OPERATOR, "op@b2a.test", name="ops script")
    await User.update({User.is_active: False}).where(User.email == "op@b2a.test")
    response = await client.get(
        "/api/v1/admin/ai", headers={"Authorization": f"Bearer {new.token}"}
    )
    assert response.status_code == 401


async def test_one_member_may_not_mint_tokens_for_another(cast):
    with pytest.raises(Forbidden):
        await create_api_token(cast.acme_agent.actor, cast.acme_owner.email, name="x")
    own = await create_api_token(cast.acme_agent.actor, cast.acme_agent.email, name="mine")
    assert own.token
