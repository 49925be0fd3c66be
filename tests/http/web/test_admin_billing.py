"""The operator's billing page and /api/v1/admin/billing: Stripe's keys, the key test, methods."""

import json

import pytest

from b2a.billing import config
from b2a.lib.crypto import SecretBox
from b2a.system.tables import SystemSetting
from tests.conftest import PASSWORD
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.http.web._admin import log_in_operator

PAGE = "/admin/billing"
API = "/api/v1/admin/billing"
PUBLIC_URL = "http://b2a.example.pk"


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def settings(make_web_settings, fake_stripe):
    return make_web_settings(
        B2A_BILLING_STRIPE_API_URL=fake_stripe.base_url, B2A_SERVER_PUBLIC_URL=PUBLIC_URL
    )


@pytest.fixture
async def operator(browser, db):
    await log_in_operator(browser)
    return browser


def easypaisa(**changes):
    return {
        "currency": "pkr",
        "methods.EASYPAISA.enabled": "on",
        "methods.EASYPAISA.account_title": "B2A Hosting",
        "methods.EASYPAISA.account_number": "0300 1234567",
        "methods.EASYPAISA.instructions": "Send from any EasyPaisa account.",
        **changes,
    }


async def _stored(key):
    row = await SystemSetting.select(SystemSetting.value).where(SystemSetting.key == key).first()
    return json.dumps(row)


async def test_the_page_is_in_the_admin_menu_and_shows_the_webhook_url_to_paste(operator):
    page = await operator.get(PAGE)
    assert page.status_code == 200
    assert 'href="/admin/billing"' in (await operator.get("/admin")).text
    assert f'value="{PUBLIC_URL}/webhooks/stripe"' in page.text
    assert "<code>checkout.session.completed</code>" in page.text
    assert "<code>invoice.payment_failed</code>" in page.text
    assert "Businesses cannot pay by card until a secret key is saved." in page.text


async def test_stripe_keys_are_stored_encrypted_and_shown_masked(operator, settings):
    wrong = await operator.submit(
        f"{PAGE}/stripe", {"secret_key": "pk_test_publishable", "webhook_secret": ""}, page=PAGE
    )
    assert wrong.status_code == 422 and 'id="e-secret_key"' in wrong.text
    assert "starts with sk_test_ or sk_live_" in wrong.text
    bad_secret = await operator.submit(
        f"{PAGE}/stripe", {"secret_key": "", "webhook_secret": "secret"}, page=PAGE
    )
    assert bad_secret.status_code == 422 and 'id="e-webhook_secret"' in bad_secret.text

    form = {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET}
    saved = await operator.submit(f"{PAGE}/stripe", form, page=PAGE)
    assert saved.status_code == 303
    stored = await _stored(config.STRIPE)
    assert SECRET_KEY not in stored and WEBHOOK_SECRET not in stored
    page = await operator.get(PAGE)
    assert SECRET_KEY not in page.text and WEBHOOK_SECRET not in page.text
    assert "••••••••" + SECRET_KEY[-4:] in page.text and "Test mode." in page.text
    kept = await operator.submit(f"{PAGE}/stripe", {"secret_key": "", "webhook_secret": ""})
    assert kept.status_code == 303
    keys = await config.stripe_keys(SecretBox(settings.core.encryption_key))
    assert (keys.secret_key, keys.webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)


async def test_the_key_test_asks_stripe_and_says_what_happened(operator, fake_stripe):
    await operator.submit(
        f"{PAGE}/stripe", {"secret_key": "sk_test_typo0000000000000000"}, page=PAGE
    )
    await operator.submit(f"{PAGE}/stripe/test", {}, page=PAGE)
    refused = await operator.get(PAGE)
    assert "Stripe refused this secret key: it is mistyped, revoked or rolled." in refused.text
    assert "sk_test_typo" not in refused.text

    await operator.submit(f"{PAGE}/stripe", {"secret_key": SECRET_KEY}, page=PAGE)
    await operator.submit(f"{PAGE}/stripe/test", {}, page=PAGE)
    accepted = await operator.get(PAGE)
    assert (
        "Stripe accepted the key: account B2A Hosting (acct_1FakeB2aHosting), test mode."
        in accepted.text
    )
    assert ("GET", "/v1/account", {}) in fake_stripe.state.requests


async def test_manual_methods_are_switched_on_with_their_account_and_errors_sit_on_fields(
    operator,
):
    missing = await operator.submit(
        f"{PAGE}/local", easypaisa(**{"methods.EASYPAISA.account_number": ""}), page=PAGE
    )
    assert missing.status_code == 422
    assert 'id="e-methods.EASYPAISA.account_number"' in missing.text
    assert "EasyPaisa is on: give the number businesses pay to." in missing.text
    assert 'value="B2A Hosting"' in missing.text, "what was typed is kept"
    iban = await operator.submit(
        f"{PAGE}/local",
        easypaisa(
            **{
                "methods.BANK_TRANSFER.enabled": "on",
                "methods.BANK_TRANSFER.account_title": "B2A Hosting (Pvt) Ltd",
                "methods.BANK_TRANSFER.account_number": "PK36 SCBL 0000 0011 2345 6703",
            }
        ),
        page=PAGE,
    )
    assert iban.status_code == 422 and 'id="e-methods.BANK_TRANSFER.account_number"' in iban.text
    currency = await operator.submit(f"{PAGE}/local", easypaisa(currency="rupees"), page=PAGE)
    assert currency.status_code == 422 and 'id="e-currency"' in currency.text

    saved = await operator.submit(f"{PAGE}/local", easypaisa(), page=PAGE)
    assert saved.status_code == 303
    local = await config.local_payments()
    assert local.currency == "PKR" and list(local.offered()) == ["EASYPAISA"]
    page = await operator.get(PAGE)
    assert "Businesses can now pay in PKR by EasyPaisa." in page.text
    assert 'value="0300 1234567"' in page.text


async def test_the_api_shows_keys_masked_sets_them_encrypted_and_tests_them(operator, settings):
    await operator.get(PAGE)
    csrf = {"X-CSRF-Token": operator.csrf}
    empty = await operator.client.get(API)
    assert empty.status_code == 200
    assert empty.json()["webhook_url"] == f"{PUBLIC_URL}/webhooks/stripe"
    assert empty.json()["stripe"]["configured"] is False
    untested = await operator.client.post(f"{API}/stripe/test", headers=csrf)
    assert untested.status_code == 200 and untested.json()["ok"] is False

    body = {
        "secret_key": SECRET_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "local": {
            "currency": "PKR",
            "methods": {
                "JAZZCASH": {
                    "enabled": True,
                    "account_title": "B2A Hosting",
                    "account_number": "0301 7654321",
                }
            },
        },
    }
    put = await operator.client.put(API, json=body, headers=csrf)
    assert put.status_code == 200, put.text
    assert SECRET_KEY not in put.text and WEBHOOK_SECRET not in put.text
    shown = (await operator.client.get(API)).json()
    assert shown["stripe"]["secret_key_hint"] == "••••••••" + SECRET_KEY[-4:]
    assert shown["local"]["methods"]["JAZZCASH"]["account_number"] == "0301 7654321"
    stored = await _stored(config.STRIPE)
    assert SECRET_KEY not in stored and WEBHOOK_SECRET not in stored

    round_trip = await operator.client.put(
        API,
        json={
            "secret_key": shown["stripe"]["secret_key_hint"],
            "webhook_secret": shown["stripe"]["webhook_secret_hint"],
        },
        headers=csrf,
    )
    assert round_trip.status_code == 200
    keys = await config.stripe_keys(SecretBox(settings.core.encryption_key))
    assert keys.secret_key == SECRET_KEY, "a masked key sent back keeps the stored one"
    tested = await operator.client.post(f"{API}/stripe/test", headers=csrf)
    assert tested.json() == {
        "ok": True,
        "message": "Stripe accepted the key: account B2A Hosting (acct_1FakeB2aHosting), "
        "test mode.",
        "account_id": "acct_1FakeB2aHosting",
        "live_mode": False,
    }

    invalid = await operator.client.put(
        API,
        json={"local": {"currency": "PKR", "methods": {"JAZZCASH": {"enabled": True}}}},
        headers=csrf,
    )
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "methods.JAZZCASH.account_title"

    await operator.client.put(API, json={"secret_key": "sk_test_revoked00000000"}, headers=csrf)
    refused = await operator.client.post(f"{API}/stripe/test", headers=csrf)
    assert refused.json()["ok"] is False and "Stripe refused this secret key" in refused.text


async def test_tenant_members_are_refused_the_page_its_forms_and_the_api(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert (await browser.get(PAGE)).status_code == 403
    await browser.get("/app")
    for path, form in (
        (f"{PAGE}/stripe", {"secret_key": SECRET_KEY}),
        (f"{PAGE}/local", easypaisa()),
        (f"{PAGE}/stripe/test", {}),
    ):
        assert (await browser.post(path, form)).status_code == 403, path
    csrf = {"X-CSRF-Token": browser.csrf}
    assert (await browser.client.get(API)).status_code == 403
    put = await browser.client.put(API, json={"secret_key": SECRET_KEY}, headers=csrf)
    assert put.status_code == 403
    assert not await SystemSetting.exists().where(SystemSetting.key.is_in(["billing.stripe"]))
    assert (await config.local_payments()).offered() == {}
