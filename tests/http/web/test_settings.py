"""Settings: profile, opening hours, the assistant; errors next to their field; admins only."""

from b2a.assistant import config
from b2a.billing.rules import PaymentProvider, SubscriptionStatus
from b2a.billing.tables import Plan, Subscription
from b2a.lib import clock
from b2a.tenants import profile
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.conftest import PASSWORD

HOURS = {
    **{f"opens-{d}": "09:00" for d in range(7)},
    **{f"closes-{d}": "17:00" for d in range(7)},
}


async def test_the_page_shows_the_stored_settings(browser, cast):
    await Tenant.update(
        {Tenant.time_zone: "Asia/Karachi", Tenant.greeting_message: "Salaam!"}
    ).where(Tenant.id == cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/settings")
    assert page.status_code == 200
    assert 'value="Asia/Karachi"' in page.text and "Salaam!" in page.text
    assert '<option value="Europe/Berlin">' in page.text, "time zones are offered from a list"
    assert 'name="threshold"' in page.text and 'value="0.85"' in page.text


async def test_the_profile_is_saved_and_a_bad_time_zone_is_shown_next_to_its_field(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    form = {"name": "Acme Bakery", "time_zone": "Mars/Olympus", "currency": "pkr"}
    refused = await browser.submit("/app/settings/profile", form, page="/app/settings")
    assert refused.status_code == 422
    assert 'id="e-time_zone"' in refused.text and "is not a time zone" in refused.text
    assert 'value="Mars/Olympus"' in refused.text and 'value="Acme Bakery"' in refused.text
    saved = await browser.post(
        "/app/settings/profile",
        {
            **form,
            "time_zone": "Asia/Karachi",
            "away_message": "Back at 9.",
            "allow_group_chats": "on",
        },
    )
    assert saved.status_code == 303
    business = await profile.business_profile(cast.acme_owner.actor)
    assert (business.name, business.time_zone, business.currency) == (
        "Acme Bakery",
        "Asia/Karachi",
        "USD",
    ), "the currency changes only by re-pricing (its own page)"
    assert business.away_message == "Back at 9." and business.allow_group_chats


async def test_opening_hours_are_saved_with_closed_days_and_overnight_hours(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    form = {**HOURS, "opens-4": "18:00", "closes-4": "02:00", "closed-6": "on"}
    saved = await browser.submit("/app/settings/hours", form, page="/app/settings")
    assert saved.status_code == 303
    hours = (await profile.business_profile(cast.acme_owner.actor)).hours
    assert [(d.opens, d.closes, d.closed) for d in hours][4:] == [
        ("18:00", "02:00", False),
        ("09:00", "17:00", False),
        ("09:00", "17:00", True),
    ]
    page = await browser.get("/app/settings")
    assert 'name="opens-4" type="time" value="18:00"' in page.text

    same = await browser.post("/app/settings/hours", {**HOURS, "closes-2": "09:00"})
    assert same.status_code == 422 and 'id="e-hours"' in same.text
    assert "Wednesday opens and closes at the same time" in same.text
    always = await browser.post("/app/settings/hours", {**HOURS, "always_open": "on"})
    assert always.status_code == 303
    assert (await profile.business_profile(cast.acme_owner.actor)).hours == []


async def test_the_assistant_settings_are_saved_and_checked(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    form = {
        "enabled": "on",
        "threshold": "0.9",
        "fallback_text": "Our team will answer soon.",
        "handoff_text": "Passing you to a colleague.",
        "prohibited_phrases": "free delivery\n\nguaranteed",
        "keywords-order": "bhej do, order karna",
        "required_order_fields": "name",
    }
    low = await browser.submit(
        "/app/settings/assistant", {**form, "threshold": "0.2"}, page="/app/settings"
    )
    assert low.status_code == 422 and 'id="e-threshold"' in low.text
    assert "free delivery" in low.text, "what was typed stays"
    word = await browser.post("/app/settings/assistant", {**form, "threshold": "high"})
    assert word.status_code == 422 and "a number such as 0.85" in word.text

    await browser.get("/app/settings")
    response = await browser.client.post(
        "/app/settings/assistant",
        data={"_csrf": browser.csrf, **form, "required_order_fields": ["name", "phone"]},
    )
    assert response.status_code == 303
    saved = await config.assistant_settings(cast.acme_owner.actor)
    assert saved.threshold == 0.9 and saved.prohibited_phrases == ["free delivery", "guaranteed"]
    assert saved.intent_keywords == {"order": ["bhej do", "order karna"]}
    assert saved.required_order_fields == ["name", "phone"]
    unchecked = {key: value for key, value in form.items() if key != "enabled"}
    off = await browser.post("/app/settings/assistant", unchecked)
    assert off.status_code == 303
    assert not (await config.assistant_settings(cast.acme_owner.actor)).enabled
    page = await browser.get("/app/settings")
    assert 'name="enabled" type="checkbox" value="on" aria-describedby' in page.text


async def test_the_operators_switch_and_an_overdue_payment_are_shown_as_notices(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert "switched the assistant off" not in (await browser.get("/app/settings")).text
    tenant_id = cast.acme_owner.tenant_id
    await Tenant.update({Tenant.ai_enabled: False}).where(Tenant.id == tenant_id)
    plan = Plan(name="Pro", price_minor=2900)
    await plan.save()
    await (
        TenantScope(tenant_id)
        .new(
            Subscription,
            plan=plan.id,
            provider=PaymentProvider.STRIPE,
            status=SubscriptionStatus.UNPAID,
            current_period_start=clock.now(),
        )
        .save()
    )
    page = (await browser.get("/app/settings")).text
    assert "The platform operator has switched the assistant off for this business." in page
    assert "The subscription is unpaid" in page


async def test_staff_never_reach_the_settings(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    assert 'href="/app/settings"' not in (await browser.get("/app")).text
    assert (await browser.get("/app/settings")).status_code == 403
    for form in ("profile", "hours", "assistant"):
        refused = await browser.post(f"/app/settings/{form}", {"name": "Taken over"})
        assert refused.status_code == 403, form
    tenant = await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert tenant.name == "Acme"


async def test_a_settings_form_without_its_csrf_token_is_refused(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/settings")
    response = await browser.client.post("/app/settings/profile", data={"name": "No token"})
    assert response.status_code == 403 and response.json()["code"] == "CSRF_FAILED"
