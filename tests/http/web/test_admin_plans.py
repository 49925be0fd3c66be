"""Plans: create with decimal prices, edit, deactivate (never the free plan), reorder."""

from b2a.billing import plans
from b2a.billing.tables import Plan
from tests.http.web._admin import log_in_operator

FORM = {
    "name": "Pro",
    "price": "29.00",
    "currency": "usd",
    "interval": "month",
    "local_price": "8000",
    "ai_tier": "MEDIUM",
    "ai_daily_limit": "500",
    "ai_monthly_limit": "10000",
    "trial_days": "7",
    "stripe_price_id": "",
}


async def _plan(name):
    return await Plan.objects().where(Plan.name == name).first()


async def test_a_plan_is_created_with_prices_typed_as_decimals(browser, db):
    await log_in_operator(browser)
    made = await browser.submit("/admin/plans", FORM)
    assert made.status_code == 303
    pro = await _plan("Pro")
    assert (pro.price_minor, pro.currency, pro.local_price_minor) == (2900, "USD", 800000)
    assert (pro.ai_tier, pro.trial_days) == ("MEDIUM", 7)
    page = await browser.get("/admin/plans")
    assert "USD 29.00" in page.text and "PKR 8,000.00" in page.text and "Free" in page.text


async def test_validation_errors_are_shown_on_their_field(browser, db):
    await log_in_operator(browser)
    for field, value in [("price", "12,5"), ("stripe_price_id", "prod_1"), ("trial_days", "x")]:
        refused = await browser.submit("/admin/plans", {**FORM, field: value})
        assert refused.status_code == 422, field
        assert f'id="e-{field}"' in refused.text, field
    assert await _plan("Pro") is None


async def test_a_plan_is_edited_deactivated_and_offered_again(browser, db):
    await log_in_operator(browser)
    await browser.submit("/admin/plans", FORM)
    pro = await _plan("Pro")
    edit = await browser.get(f"/admin/plans/{pro.id}")
    assert 'value="29.00"' in edit.text
    saved = await browser.post(f"/admin/plans/{pro.id}", {**FORM, "name": "Pro+", "price": "35"})
    assert saved.status_code == 303
    assert (await _plan("Pro+")).price_minor == 3500
    off = await browser.post(f"/admin/plans/{pro.id}/active", {"active": "false"})
    assert off.status_code == 303 and not (await _plan("Pro+")).is_active
    await browser.post(f"/admin/plans/{pro.id}/active", {"active": "true"})
    assert (await _plan("Pro+")).is_active


async def test_the_free_plan_stays_on_sale_and_free(browser, db):
    await log_in_operator(browser)
    await browser.get("/admin/plans")
    free = await _plan("Free")
    refused = await browser.post(f"/admin/plans/{free.id}/active", {"active": "false"})
    assert refused.status_code == 409 and "stays active" in refused.text
    priced = await browser.post(f"/admin/plans/{free.id}", {**FORM, "name": "Free"})
    assert priced.status_code == 422 and 'id="e-price"' in priced.text
    assert "the free plan has no price" in priced.text
    assert (await _plan("Free")).is_active


async def test_plans_move_up_and_down_the_pricing_page(browser, db):
    operator = await log_in_operator(browser)
    await browser.submit("/admin/plans", FORM)
    await browser.submit("/admin/plans", {**FORM, "name": "Max", "price": "99"})
    names = [p.name for p in await plans.list_plans(operator)]
    maximum = await _plan("Max")
    await browser.get("/admin/plans")
    moved = await browser.post(f"/admin/plans/{maximum.id}/move", {"direction": "up"})
    assert moved.status_code == 303
    after = [p.name for p in await plans.list_plans(operator)]
    here = names.index("Max")
    assert after.index("Max") == here - 1
    await browser.post(f"/admin/plans/{maximum.id}/move", {"direction": "down"})
    assert [p.name for p in await plans.list_plans(operator)].index("Max") == here
