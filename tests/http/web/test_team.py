"""The team page: invitations by email, roles (never SUPER_ADMIN), removals; staff kept out."""

import re
import uuid

import pytest

from b2a.errors import Conflict, Forbidden, NotFound
from b2a.lib.redis import PREFIX
from b2a.tenants import service as tenants
from b2a.tenants import team
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import User
from tests.conftest import PASSWORD
from tests.http.web.conftest import Browser, link_path, make_browser, shown_link


async def test_with_email_the_invitation_link_is_shown_once_and_emailed_too(
    app, browser, cast, smtp, worker
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    sent = await browser.submit(
        "/app/team/invite",
        {"email": "new@acme.test", "name": "Nadia", "role": "STAFF"},
        page="/app/team",
    )
    assert sent.status_code == 201 and "We have emailed it to them too." in sent.text
    shown = shown_link(sent.text)
    mail = (await smtp.wait_for("new@acme.test"))[-1]
    assert "Acme" in mail.subject and cast.acme_owner.email in mail.text
    assert mail.links == [shown], "the email carries the link the page showed"
    page = await browser.get("/app/team")
    assert "invitation pending" in page.text and shown not in page.text, "shown once"
    async with make_browser(app) as client:
        invitee = Browser(client)
        form = await invitee.get(link_path(shown))
        assert "Join your team" in form.text
        token = link_path(shown).split("token=")[1]
        joined = await invitee.post(
            "/accept-invite", {"token": token, "password": "invited and in"}
        )
        assert joined.status_code == 303 and joined.headers["location"] == "/app/inbox"
        dashboard = await invitee.get("/app")
        assert 'href="/app/team"' not in dashboard.text and "My account" in dashboard.text
        assert (await invitee.get("/app/team")).status_code == 403
    user = await User.objects().where(User.email == "new@acme.test").first()
    assert user.role == Role.STAFF and user.name == "Nadia" and user.email_verified_at


async def test_staff_cannot_reach_the_team_page_or_its_actions(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app")
    assert (await browser.get("/app/team")).status_code == 403
    posted = await browser.post("/app/team/invite", {"email": "x@acme.test", "role": "STAFF"})
    assert posted.status_code == 403
    owner = cast.acme_owner.actor.user_id
    assert (await browser.post(f"/app/team/{owner}/remove", {})).status_code == 403


async def test_a_tenant_admin_can_never_make_a_super_admin(browser, cast):
    with pytest.raises(Forbidden):
        await team.change_role(cast.acme_owner.actor, cast.acme_agent.actor.user_id, "SUPER_ADMIN")
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/team")
    agent = cast.acme_agent.actor.user_id
    refused = await browser.post(f"/app/team/{agent}/role", {"role": "SUPER_ADMIN"})
    assert refused.status_code == 403
    invite = await browser.post(
        "/app/team/invite", {"email": "op@acme.test", "role": "SUPER_ADMIN"}
    )
    assert invite.status_code == 403
    roles = {row["role"] for row in await User.select(User.role)}
    assert Role.SUPER_ADMIN not in roles


async def test_another_tenants_member_answers_404(browser, cast):
    outsider = cast.globex_owner.actor.user_id
    with pytest.raises(NotFound):
        await team.change_role(cast.acme_owner.actor, outsider, "STAFF")
    with pytest.raises(NotFound):
        await team.remove_member(cast.acme_owner.actor, None, outsider)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/team")
    assert (await browser.post(f"/app/team/{outsider}/role", {"role": "STAFF"})).status_code == 404
    assert (await browser.post(f"/app/team/{uuid.uuid4()}/remove", {})).status_code == 404
    assert await User.exists().where(User.id == outsider)


async def test_a_role_change_swaps_just_the_members_row_for_htmx(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/team")
    agent = cast.acme_agent.actor.user_id
    response = await browser.client.post(
        f"/app/team/{agent}/role",
        data={"role": "TENANT_ADMIN"},
        headers={"HX-Request": "true", "X-CSRF-Token": browser.csrf},
    )
    assert response.status_code == 200
    assert (
        response.text.lstrip().startswith(f'<tr id="member-{agent}"') and "Saved" in response.text
    )
    assert (await User.objects().where(User.id == agent).first()).role == Role.TENANT_ADMIN


async def test_the_last_admin_cannot_be_demoted_or_removed(cast, redis):
    owner = cast.acme_owner.actor
    with pytest.raises(Conflict) as demoted:
        await team.change_role(owner, owner.user_id, "STAFF")
    assert demoted.value.code == "LAST_ADMIN"
    with pytest.raises(Conflict):
        await team.remove_member(owner, redis, owner.user_id)
    await team.change_role(owner, cast.acme_agent.actor.user_id, "TENANT_ADMIN")
    await team.change_role(owner, owner.user_id, "STAFF")


async def test_a_removed_member_is_signed_out_everywhere_at_once(
    app, browser, other_browser, cast, redis
):
    await other_browser.log_in(cast.acme_agent.email, PASSWORD)
    assert (await other_browser.get("/app")).status_code == 200
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/team")
    removed = await browser.post(f"/app/team/{cast.acme_agent.actor.user_id}/remove", {})
    assert removed.status_code == 303
    assert (await other_browser.get("/app")).status_code == 303
    assert not await redis.exists(f"{PREFIX}user-sessions:{cast.acme_agent.actor.user_id}")


UUID_OR_TOKEN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|token=[\w-]+"
)


async def test_inviting_an_address_with_an_account_elsewhere_looks_like_any_invitation(
    app, browser, cast, smtp, worker
):
    operator = "zz-op@b2a.test"  # the team list is sorted: each newcomer comes last
    await tenants.create_user(
        Actor.operator("tests"), operator, password=PASSWORD, role=Role.SUPER_ADMIN
    )
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    answers, links = [], {}
    for email in ("zz-fresh@acme.test", operator, cast.globex_owner.email):
        sent = await browser.submit(
            "/app/team/invite", {"email": email, "name": "N", "role": "STAFF"}, page="/app/team"
        )
        links[email] = shown_link(sent.text)
        text = UUID_OR_TOKEN.sub("X", sent.text.replace(email, "ADDRESS"))
        answers.append((sent.status_code, text))
        if email != cast.globex_owner.email:  # the same team page each time
            member = (
                await User.objects()
                .where((User.email == email) & (User.tenant == cast.acme_owner.tenant_id))
                .first()
            )
            await team.revoke_invitation(cast.acme_owner.actor, member.id)
    assert answers[0][0] == 201 and all(answer == answers[0] for answer in answers)
    page = await browser.get("/app/team")
    assert page.text.count("invitation pending") == 1

    mail = (await smtp.wait_for(cast.globex_owner.email))[-1]
    assert "already has a b2a account" in mail.text and mail.links == []
    async with make_browser(app) as client:
        holder = Browser(client)
        token = links[cast.globex_owner.email].split("token=")[1]
        await holder.get(link_path(links[cast.globex_owner.email]))
        refused = await holder.post(
            "/accept-invite", {"token": token, "password": "taking it over"}
        )
        assert refused.status_code == 409 and "already has a b2a account" in refused.text
    owner = (
        await User.objects()
        .where(
            (User.email == cast.globex_owner.email) & (User.tenant == cast.globex_owner.tenant_id)
        )
        .first()
    )
    assert owner.role == Role.TENANT_ADMIN, "the account elsewhere is untouched"
    async with make_browser(app) as client:
        await Browser(client).log_in(cast.globex_owner.email, PASSWORD)


async def test_an_address_already_in_the_team_is_named_as_such(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    again = await browser.submit(
        "/app/team/invite",
        {"email": cast.acme_agent.email, "name": "", "role": "STAFF"},
        page="/app/team",
    )
    assert again.status_code == 409 and "already in your team" in again.text
