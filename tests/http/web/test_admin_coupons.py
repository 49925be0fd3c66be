"""Coupons: percentage or fixed, expiry, Stripe coupon id, banner; withdrawn and brought back."""

from datetime import UTC, datetime

from b2a.billing import coupons
from b2a.billing.tables import Coupon
from tests.http.web._admin import log_in_operator

FORM = {
    "code": "eid25",
    "kind": "percent",
    "value": "25",
    "currency": "USD",
    "expires_on": "2099-01-31",
    "stripe_coupon_id": "EID25",
    "banner_text": "Eid sale: a quarter off every plan.",
}


async def test_a_percentage_coupon_and_its_banner(browser, db):
    await log_in_operator(browser)
    made = await browser.submit("/admin/coupons", FORM)
    assert made.status_code == 303
    coupon = await Coupon.objects().first()
    assert (coupon.code, coupon.kind, coupon.value) == ("EID25", "percent", 25)
    assert coupon.expires_at == datetime(2099, 1, 31, 23, 59, 59, tzinfo=UTC)
    assert [b.text for b in await coupons.banners()] == [FORM["banner_text"]]
    page = await browser.get("/admin/coupons")
    assert "25%" in page.text and "31 Jan 2099" in page.text and "EID25" in page.text

    withdrawn = await browser.post(f"/admin/coupons/{coupon.id}/active", {"active": "false"})
    assert withdrawn.status_code == 303 and await coupons.banners() == []
    await browser.post(f"/admin/coupons/{coupon.id}/active", {"active": "true"})
    assert len(await coupons.banners()) == 1


async def test_a_fixed_coupon_is_typed_in_its_currency(browser, db):
    await log_in_operator(browser)
    fixed = {**FORM, "code": "FLAT", "kind": "fixed", "value": "500.50", "currency": "pkr"}
    assert (await browser.submit("/admin/coupons", fixed)).status_code == 303
    coupon = await Coupon.objects().first()
    assert (coupon.value, coupon.currency) == (50050, "PKR")
    assert "PKR 500.50" in (await browser.get("/admin/coupons")).text


async def test_validation_errors_are_shown_on_their_field(browser, db):
    await log_in_operator(browser)
    for changes, field in [
        ({"value": "150"}, "value"),
        ({"expires_on": "31/01/2099"}, "expires_on"),
        ({"kind": "fixed", "value": "abc"}, "value"),
    ]:
        refused = await browser.submit("/admin/coupons", {**FORM, **changes})
        assert refused.status_code == 422, changes
        assert f'id="e-{field}"' in refused.text, changes
    assert await Coupon.count() == 0


async def test_a_coupon_is_edited_and_a_taken_code_is_refused(browser, db):
    await log_in_operator(browser)
    await browser.submit("/admin/coupons", FORM)
    flat = {**FORM, "code": "FLAT", "kind": "fixed", "value": "5", "banner_text": ""}
    await browser.submit("/admin/coupons", flat)
    eid = await Coupon.objects().where(Coupon.code == "EID25").first()
    edit = await browser.get(f"/admin/coupons/{eid.id}")
    assert 'value="2099-01-31"' in edit.text and 'value="25"' in edit.text
    saved = await browser.post(
        f"/admin/coupons/{eid.id}", {**FORM, "value": "30", "banner_text": "Now 30% off."}
    )
    assert saved.status_code == 303
    assert [b.text for b in await coupons.banners()] == ["Now 30% off."]
    taken = await browser.post(f"/admin/coupons/{eid.id}", {**FORM, "code": "flat"})
    assert taken.status_code == 409
    assert (await Coupon.objects().where(Coupon.id == eid.id).first()).code == "EID25"
