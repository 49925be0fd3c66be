"""The dashboard: channel states, today's numbers, the assistant's quota, what needs attention."""

from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.tables import Channel
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation, whatsapp_channel


async def test_a_new_business_is_pointed_to_onboarding_until_a_number_is_connected(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app")
    assert page.status_code == 200
    assert "Connect your WhatsApp number" in page.text and 'href="/app/onboarding"' in page.text
    scope = TenantScope(cast.acme_owner.tenant_id)
    await sandbox_channel(scope)
    page = await browser.get("/app")
    assert "Connect your WhatsApp number" in page.text, "the sandbox is not a number"
    await scope.new(
        Channel,
        transport=Transport.WEB,
        state=ChannelState.CONNECTED,
        display_phone="+923001112222",
    ).save()
    page = await browser.get("/app")
    assert "Connect your WhatsApp number" not in page.text
    assert "+923001112222" in page.text


async def test_the_dashboard_shows_todays_rows_the_quota_and_what_waits(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await whatsapp_channel(scope)
    for name in ("Ayesha", "Bilal", "Chand"):
        await seed_conversation(scope, channel, name=name)
    conversation = await seed_conversation(scope, channel, name="Dua", unread=0)
    await scope.new(
        Order,
        number=1,
        conversation=conversation.id,
        customer=conversation.customer,
        status=OrderStatus.PENDING_APPROVAL,
    ).save()
    await Tenant.update({Tenant.ai_daily_limit: 40, Tenant.ai_monthly_limit: 900}).where(
        Tenant.id == cast.acme_owner.tenant_id
    )
    # A test customer the team played in the sandbox: not in today's traffic, but their chat
    # and order wait in the inbox and the orders list like any other, so they count as work.
    tested = await seed_conversation(scope, await sandbox_channel(scope), name="Test")
    await scope.new(
        Order,
        number=2,
        conversation=tested.id,
        customer=tested.customer,
        status=OrderStatus.PENDING_APPROVAL,
    ).save()
    foreign = TenantScope(cast.globex_owner.tenant_id)
    await seed_conversation(foreign, await sandbox_channel(foreign), name="Outsider")

    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = (await browser.get("/app")).text
    assert "4 in · 0 out" in page
    assert "4 unread conversations" in page and "2 orders wait for approval" in page
    assert 'max="40"' in page and "of 900" in page
    assert "Outsider" not in page


async def test_staff_see_the_dashboard_without_the_owners_links(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = (await browser.get("/app")).text
    assert "An admin of your business connects it" in page
    for hidden in ("/app/onboarding", "/app/settings", "/app/billing", "/app/analytics"):
        assert f'href="{hidden}"' not in page, hidden
