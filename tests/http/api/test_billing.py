"""The tenant's billing over the API: plans, checkout and portal, manual payments, history."""

import pytest

from b2a.billing import config, manual, plans
from b2a.billing.schemas import LocalPayments
from b2a.billing.tables import ManualPayment
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.integration.billing.conftest import METHODS, PNG, pro_plan

OPERATOR = Actor.operator("tests")
URL = "/api/v1/billing"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        fake.state.prices.add("price_pro_monthly")
        yield fake


@pytest.fixture
def settings(db, make_settings, app_home, fake_stripe):
    return make_settings(
        B2A_DB_URL=db.url, B2A_HOME=str(app_home), B2A_BILLING_STRIPE_API_URL=fake_stripe.base_url
    )


@pytest.fixture
async def pro(cast):
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    return await plans.create_plan(OPERATOR, pro_plan())


@pytest.fixture
async def keys(cast, settings):
    box = SecretBox(settings.core.encryption_key)
    await config.set_stripe_keys(
        OPERATOR, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
    )


def form(plan, **changes):
    return {
        "plan_id": str(plan.id),
        "method": "BANK_TRANSFER",
        "sender_name": "Acme Traders",
        "sender_number": "0300 1234567",
        "reference": "FT2612019876",
        **changes,
    }


async def _submit(client, headers, plan, *, file=("receipt.png", PNG, "image/png"), **changes):
    return await client.post(
        f"{URL}/manual-payments",
        data=form(plan, **changes),
        files={"screenshot": file},
        headers=headers,
    )


async def test_plans_are_listed_in_pricing_order_with_the_free_plan(client, tokens, pro):
    response = await client.get(f"{URL}/plans", headers=tokens.acme_owner)
    assert response.status_code == 200
    listed = response.json()
    assert [p["name"] for p in listed] == ["Free", "Pro"]
    assert listed[1]["price_minor"] == 2900 and listed[1]["local_price_minor"] == 800000


async def test_staff_get_403_on_every_billing_route(app, client, tokens, pro, keys):
    swept = 0
    for route in app.routes:
        if not route.path.startswith(URL):
            continue
        path = route.path.replace("{payment_id:uuid}", "00000000-0000-4000-8000-000000000000")
        for method in sorted(set(route.methods) - {"OPTIONS", "HEAD"}):
            kwargs = {"params": {"plan_id": str(pro.id)}} if path.endswith("/quote") else {}
            if path.endswith("/checkout"):
                kwargs = {"json": {"plan_id": str(pro.id)}}
            if path.endswith("/manual-payments") and method == "POST":
                kwargs = {"data": form(pro), "files": {"screenshot": ("r.png", PNG, "image/png")}}
            response = await client.request(method, path, headers=tokens.acme_agent, **kwargs)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["code"] == "FORBIDDEN"
            swept += 1
    assert swept == 10


async def test_checkout_is_for_the_callers_tenant_whatever_the_body_says(
    client, cast, tokens, pro, keys, fake_stripe
):
    response = await client.post(
        f"{URL}/checkout",
        json={"plan_id": str(pro.id), "tenant_id": str(cast.globex_owner.tenant_id)},
        headers=tokens.acme_owner,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["url"] == f"https://checkout.stripe.com/c/pay/{body['session_id']}"
    sent = fake_stripe.state.sessions[body["session_id"]]["_params"]
    assert sent["client_reference_id"] == str(cast.acme_owner.tenant_id)
    assert sent["success_url"].startswith("http://testserver/app/billing?checkout=success")
    assert SECRET_KEY not in response.text


async def test_card_payments_say_so_when_stripe_is_not_set_up(client, tokens, pro):
    response = await client.post(
        f"{URL}/checkout", json={"plan_id": str(pro.id)}, headers=tokens.acme_owner
    )
    assert response.status_code == 409 and response.json()["code"] == "STRIPE_NOT_CONFIGURED"
    portal = await client.post(f"{URL}/portal", headers=tokens.acme_owner)
    assert portal.status_code == 409


async def test_the_portal_needs_a_card_payment_first(client, tokens, pro, keys):
    response = await client.post(f"{URL}/portal", headers=tokens.acme_owner)
    assert response.status_code == 409 and response.json()["code"] == "NO_STRIPE_CUSTOMER"


async def test_the_quote_shows_the_local_amount_and_where_to_pay(client, tokens, pro):
    response = await client.get(
        f"{URL}/quote", params={"plan_id": str(pro.id)}, headers=tokens.acme_owner
    )
    assert response.status_code == 200
    quote = response.json()
    assert quote["local"] == {"amount_minor": 800000, "currency": "PKR"}
    assert [m["method"] for m in quote["methods"]] == ["EASYPAISA", "BANK_TRANSFER"]
    assert quote["methods"][1]["account_number"] == "PK36 SCBL 0000 0011 2345 6702"
    assert quote["card"] is None and "Stripe's keys in Admin → Billing" in quote["card_note"]
    unknown = await client.get(
        f"{URL}/quote",
        params={"plan_id": str(pro.id), "coupon_code": "NOPE"},
        headers=tokens.acme_owner,
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "COUPON_INVALID"


async def test_a_manual_payment_is_submitted_and_followed_by_its_tenant(
    client, cast, tokens, pro, settings
):
    h = tokens.acme_owner
    # The type comes from the bytes: a PDF sent under an image's name and type is kept as a PDF.
    response = await _submit(client, h, pro, file=("photo.png", PDF, "image/png"))
    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["status"] == "PENDING" and payment["amount_minor"] == 800000
    assert payment["currency"] == "PKR" and payment["has_screenshot"]

    listed = (await client.get(f"{URL}/manual-payments", headers=h)).json()
    assert [p["id"] for p in listed] == [payment["id"]]
    one = await client.get(f"{URL}/manual-payments/{payment['id']}", headers=h)
    assert one.json()["reference"] == "FT2612019876"
    shot = await client.get(f"{URL}/manual-payments/{payment['id']}/screenshot", headers=h)
    assert shot.status_code == 200 and shot.content == PDF
    assert shot.headers["content-type"] == "application/pdf"

    overview = (await client.get(URL, headers=h)).json()
    assert overview["plan"]["name"] == "Free" and overview["subscription"] is None
    assert overview["warnings"] == [
        "The payment FT2612019876 (PKR 8,000.00) is waiting for review."
    ]

    await manual.approve_manual_payment(OPERATOR, payment["id"])
    overview = (await client.get(URL, headers=h)).json()
    assert overview["plan"]["name"] == "Pro" and overview["subscription"]["provider"] == "manual"
    assert overview["usage"] == {
        "ai_tier": "MEDIUM",
        "ai_replies_today": 0,
        "ai_daily_limit": 500,
        "ai_replies_this_month": 0,
        "ai_monthly_limit": 10000,
    }
    assert overview["suspended"] is False and overview["warnings"] == []
    history = (await client.get(f"{URL}/payments", headers=h)).json()
    assert [(r["kind"], r["status"]) for r in history] == [("manual", "APPROVED")]
    assert history[0]["description"] == "Pro by bank transfer (FT2612019876)"


async def test_a_file_that_is_not_an_image_or_pdf_is_refused_whatever_its_name(client, tokens, pro):
    response = await _submit(
        client, tokens.acme_owner, pro, file=("receipt.png", b"#!/bin/sh\nrm -rf /\n", "image/png")
    )
    assert response.status_code == 422 and response.json()["field"] == "screenshot"
    assert await ManualPayment.count() == 0


async def test_an_oversized_screenshot_is_refused_before_it_is_read(client, tokens, pro):
    big = PNG + b"\x00" * (6 * 1024 * 1024)
    response = await _submit(client, tokens.acme_owner, pro, file=("big.png", big, "image/png"))
    assert response.status_code == 413
    assert await ManualPayment.count() == 0


async def test_another_tenants_payment_and_screenshot_answer_404(client, tokens, pro):
    payment = (await _submit(client, tokens.acme_owner, pro)).json()
    g = tokens.globex_owner
    for path in (
        f"/manual-payments/{payment['id']}",
        f"/manual-payments/{payment['id']}/screenshot",
    ):
        response = await client.get(f"{URL}{path}", headers=g)
        assert response.status_code == 404, path
        assert "Acme" not in response.text and "FT2612019876" not in response.text
    assert (await client.get(f"{URL}/manual-payments", headers=g)).json() == []
    assert (await client.get(f"{URL}/payments", headers=g)).json() == []
