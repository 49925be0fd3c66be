"""Analytics: 7 or 30 local days of real rows as charts; tenant admins only."""

from datetime import timedelta

from b2a.assistant.tables import AIUsage
from b2a.inbox.rules import Author, DeliveryState, Direction
from b2a.inbox.tables import Message
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation, whatsapp_channel


async def _seed(scope, *, replies_by_ai, replies_by_team, at, sandbox=False):
    channel = await (sandbox_channel if sandbox else whatsapp_channel)(scope)
    conversation = await seed_conversation(scope, channel, at=at)
    for author, count in ((Author.AI, replies_by_ai), (Author.AGENT, replies_by_team)):
        for _ in range(count):
            await scope.new(
                Message,
                conversation=conversation.id,
                direction=Direction.OUTBOUND,
                author=author,
                text="reply",
                state=DeliveryState.SENT,
                created_at=at,
            ).save()
    await scope.new(
        AIUsage,
        conversation=conversation.id,
        outcome="sent",
        provider="openai",
        model="gpt-test",
        prompt_tokens=1200,
        completion_tokens=300,
        cost_micro_usd=2_500_000,
        created_at=at,
        sandbox=sandbox,
    ).save()
    await scope.new(
        AIUsage, conversation=conversation.id, outcome="handoff", created_at=at, sandbox=sandbox
    ).save()


async def test_the_charts_are_drawn_from_the_rows_of_the_period(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _seed(scope, replies_by_ai=3, replies_by_team=2, at=clock.now())
    await _seed(scope, replies_by_ai=5, replies_by_team=0, at=clock.now() - timedelta(days=20))
    await browser.log_in(cast.acme_owner.email, PASSWORD)

    week = await browser.get("/app/analytics")
    assert week.status_code == 200
    assert week.text.count('class="chart"') == 4 and week.text.count("<svg") == 4
    assert "assistant: 3" in week.text and "team: 2" in week.text
    assert "handed to the team: 1" in week.text
    assert "1,500 tokens" in week.text and "US$ 2.50" in week.text
    assert 'href="/app/analytics?days=7" aria-current="page"' in week.text

    month = await browser.get("/app/analytics?days=30")
    assert (
        "assistant: 8" in month.text and "3,000 tokens" in month.text and "US$ 5.00" in month.text
    )
    assert (await browser.get("/app/analytics?days=14")).status_code == 422


async def test_an_empty_period_says_so_and_another_tenants_rows_never_count(browser, cast):
    await _seed(
        TenantScope(cast.globex_owner.tenant_id), replies_by_ai=4, replies_by_team=4, at=clock.now()
    )
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/analytics")
    assert page.text.count("Nothing yet in this period.") == 4 and "<svg" not in page.text
    assert "0 tokens" in page.text


async def test_staff_do_not_see_the_analytics(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    assert 'href="/app/analytics"' not in (await browser.get("/app")).text
    assert (await browser.get("/app/analytics")).status_code == 403


async def test_sandbox_test_chats_are_left_out_unless_the_switch_includes_them(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _seed(scope, replies_by_ai=3, replies_by_team=2, at=clock.now())
    await _seed(scope, replies_by_ai=4, replies_by_team=1, at=clock.now(), sandbox=True)
    await browser.log_in(cast.acme_owner.email, PASSWORD)

    customers = await browser.get("/app/analytics")
    assert "assistant: 3" in customers.text and "team: 2" in customers.text
    assert "1,500 tokens" in customers.text and "handed to the team: 1" in customers.text
    assert 'href="/app/analytics?days=7" aria-current="page">Customers only' in customers.text

    both = await browser.get("/app/analytics?include_sandbox=true")
    assert "assistant: 7" in both.text and "team: 3" in both.text
    assert "3,000 tokens" in both.text and "handed to the team: 2" in both.text
    assert 'aria-current="page">Include sandbox test chats' in both.text
    assert 'href="/app/analytics?days=30&amp;include_sandbox=true"' in both.text
