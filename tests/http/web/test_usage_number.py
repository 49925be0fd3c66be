"""One usage number: every page shows the count the assistant's limits are checked against.

Answers, fallbacks and turns handed to the team all count against the daily and
monthly limits (``governance.COUNTED``); refused turns do not. The dashboard,
billing, the admin tenant page, the admin usage report and the API must show
that same number, and governance must stop the assistant exactly at the limit.
"""

from b2a.assistant import governance
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.conftest import PASSWORD
from tests.http.web._admin import log_in_operator

OUTCOMES = {"sent": 3, "fallback": 1, "handoff": 2, "blocked": 1, "refused": 2}
COUNTED = 7  # everything above but the refused turns
TODAY = f"Today: <strong>{COUNTED}</strong> of {COUNTED + 1}"


async def test_every_page_shows_the_number_the_limit_enforces(browser, other_browser, cast, redis):
    tenant_id = cast.acme_owner.tenant_id
    await Tenant.update(
        {Tenant.ai_daily_limit: COUNTED + 1, Tenant.time_zone: "Asia/Karachi"}
    ).where(Tenant.id == tenant_id)
    scope = TenantScope(tenant_id)
    for outcome, times in OUTCOMES.items():
        for _ in range(times):
            await governance.record_usage(scope, conversation_id=None, outcome=outcome)

    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert TODAY in (await browser.get("/app")).text
    assert TODAY in (await browser.get("/app/billing")).text
    board = (await browser.client.get("/api/v1/dashboard")).json()
    billing = (await browser.client.get("/api/v1/billing")).json()
    assert board["ai_replies_today"] == billing["usage"]["ai_replies_today"] == COUNTED
    assert board["ai_replies_this_month"] == billing["usage"]["ai_replies_this_month"]

    await log_in_operator(other_browser)
    assert TODAY in (await other_browser.get(f"/admin/tenants/{tenant_id}")).text
    usage = (await other_browser.get("/admin/usage")).text
    assert f"<td><strong>{COUNTED}</strong> of {COUNTED + 1}</td>" in usage

    policy = await governance.load_policy(tenant_id)
    assert (await governance.admit(redis, policy, now=clock.now())).allowed
    refused = await governance.admit(redis, policy, now=clock.now())
    assert refused.code == "DAILY_LIMIT", "one more turn reached the limit the pages showed"
