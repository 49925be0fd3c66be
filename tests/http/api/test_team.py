"""``/api/v1/team`` and ``/api/v1/admin/users``: invitations and reset links, link included."""

from b2a.audit.tables import AuditEntry
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import User
from tests.http.api.conftest import bearer

OPERATOR = Actor.operator("tests")


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def _invite(client, headers, email="new@acme.test"):
    response = await client.post(
        "/api/v1/team/invitations",
        json={"email": email, "role": "STAFF", "name": "Nadia"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_invitation_answers_with_its_one_time_link(client, cast, tokens):
    body = await _invite(client, tokens.acme_owner)
    assert body["member"]["email"] == "new@acme.test" and body["member"]["invited"] is True
    assert body["emailed"] is False, "no SMTP on this install"
    assert body["link"]["valid_for"] == "7 days" and "/accept-invite?token=" in body["link"]["url"]
    assert (await client.get(_path(body["link"]["url"]))).status_code == 200
    members = await client.get("/api/v1/team", headers=tokens.acme_owner)
    assert {m["email"] for m in members.json()} == {
        cast.acme_owner.email,
        cast.acme_agent.email,
        "new@acme.test",
    }


async def test_a_new_link_retires_the_old_and_revoking_ends_both(client, cast, tokens):
    first = await _invite(client, tokens.acme_owner)
    member = first["member"]["id"]
    renewed = await client.post(f"/api/v1/team/{member}/invitation", headers=tokens.acme_owner)
    assert renewed.status_code == 201
    second = renewed.json()["link"]["url"]
    assert (await client.get(_path(first["link"]["url"]))).status_code == 410
    assert (await client.get(_path(second))).status_code == 200
    revoked = await client.delete(f"/api/v1/team/{member}/invitation", headers=tokens.acme_owner)
    assert revoked.status_code == 204
    assert (await client.get(_path(second))).status_code == 410
    assert not await User.exists().where(User.email == "new@acme.test")


async def test_a_joined_member_has_no_invitation(client, cast, tokens):
    agent = cast.acme_agent.actor.user_id
    response = await client.post(f"/api/v1/team/{agent}/invitation", headers=tokens.acme_owner)
    assert response.status_code == 409 and response.json()["code"] == "ALREADY_JOINED"


async def test_staff_are_refused_and_other_tenants_get_404(client, cast, tokens):
    staff = await client.post(
        "/api/v1/team/invitations", json={"email": "x@acme.test"}, headers=tokens.acme_agent
    )
    assert staff.status_code == 403
    pending = (await _invite(client, tokens.acme_owner))["member"]["id"]
    outsider = await client.post(f"/api/v1/team/{pending}/invitation", headers=tokens.globex_owner)
    assert outsider.status_code == 404
    gone = await client.delete(f"/api/v1/team/{pending}/invitation", headers=tokens.globex_owner)
    assert gone.status_code == 404


async def test_a_super_admin_token_makes_a_reset_link_and_a_tenant_token_cannot(
    client, cast, tokens
):
    await tenants.create_user(
        OPERATOR, "op@b2a.test", password="correct horse battery", role=Role.SUPER_ADMIN
    )
    operator = await bearer("op@b2a.test")
    made = await client.post(
        "/api/v1/admin/users/reset-link", json={"email": cast.acme_agent.email}, headers=operator
    )
    assert made.status_code == 201
    assert made.json()["valid_for"] == "24 hours"
    assert (await client.get(_path(made.json()["url"]))).status_code == 200
    assert await AuditEntry.exists().where(AuditEntry.event == "user.reset_link_created")
    refused = await client.post(
        "/api/v1/admin/users/reset-link",
        json={"email": cast.acme_agent.email},
        headers=tokens.acme_owner,
    )
    assert refused.status_code == 403
    missing = await client.post(
        "/api/v1/admin/users/reset-link", json={"email": "nobody@x.test"}, headers=operator
    )
    assert missing.status_code == 404
