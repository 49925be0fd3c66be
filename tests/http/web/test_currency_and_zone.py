"""One currency and one time zone per business: chosen at sign-up, currency changed by re-pricing
every service on one page, and every time a member reads shown in the business's zone."""

import re
from datetime import UTC, datetime

from b2a.billing.rules import PaymentProvider, SubscriptionStatus
from b2a.billing.tables import Plan, Subscription
from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceIn
from b2a.catalog.tables import Service
from b2a.inbox.rules import IdentityKind
from b2a.inbox.tables import Customer, CustomerIdentity
from b2a.orders.tables import Order, OrderStatusChange
from b2a.outbox.tables import ScheduledMessage
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, User
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.http.web._admin import log_in_operator
from tests.http.web.conftest import sign_up

FORM = {"business": "Noor Salon", "email": "noor@salon.test"}
# 09:15 UTC is 14:15 in Karachi (UTC+5, no daylight saving).
AT = datetime(2026, 3, 10, 9, 15, tzinfo=UTC)


async def _tenant_of(email):
    user = await User.objects().where(User.email == email).first()
    return await Tenant.objects().where(Tenant.id == user.tenant).first()


async def test_sign_up_keeps_the_chosen_time_zone_and_currency(browser, db, smtp, worker):
    form = await browser.get("/signup")
    assert '<select id="f-time_zone" name="time_zone"' in form.text
    assert '<option value="Asia/Karachi">Asia/Karachi</option>' in form.text
    assert "&#34;Asia/Karachi&#34;:&#34;PKR&#34;" in form.text, "signup.js reads the zone map"
    assert "js/signup.js" in form.text

    made = await sign_up(
        browser, smtp, {**FORM, "time_zone": "Asia/Karachi", "currency": "PKR"}, PASSWORD
    )
    assert made.status_code == 303
    tenant = await _tenant_of(FORM["email"])
    assert (tenant.time_zone, tenant.currency) == ("Asia/Karachi", "PKR")


async def test_without_a_currency_the_zones_country_decides_and_bad_values_stay_on_the_form(
    browser, db, smtp, worker
):
    refused = await browser.submit("/signup", {**FORM, "time_zone": "Mars/Olympus", "currency": ""})
    assert refused.status_code == 422 and 'id="e-time_zone"' in refused.text
    assert "use a name like Asia/Karachi" in refused.text
    assert 'data-chosen="yes"' in refused.text and 'value="Noor Salon"' in refused.text
    wrong = await browser.post("/signup", {**FORM, "time_zone": "Asia/Dubai", "currency": "RS"})
    assert wrong.status_code == 422 and 'id="e-currency"' in wrong.text

    made = await sign_up(
        browser, smtp, {**FORM, "time_zone": "Asia/Dubai", "currency": ""}, PASSWORD
    )
    assert made.status_code == 303
    tenant = await _tenant_of(FORM["email"])
    assert (tenant.time_zone, tenant.currency) == ("Asia/Dubai", "AED")


async def test_the_operator_creates_a_tenant_with_its_zone_and_currency(browser, cast, db):
    await log_in_operator(browser)
    page = await browser.get("/admin/tenants")
    assert '<select id="f-currency" name="currency"' in page.text
    made = await browser.post(
        "/admin/tenants",
        {
            "name": "Karachi Cakes",
            "email": "cakes@karachi.test",
            "time_zone": "Asia/Karachi",
            "currency": "",
        },
    )
    assert made.status_code == 303, made.text
    tenant = await _tenant_of("cakes@karachi.test")
    assert (tenant.time_zone, tenant.currency) == ("Asia/Karachi", "PKR")
    refused = await browser.post(
        "/admin/tenants",
        {"name": "X", "email": "x@x.test", "time_zone": "Asia/Karachi", "currency": "XYZ"},
    )
    assert refused.status_code == 422 and "is not an ISO 4217 currency code" in refused.text


def _price_fields(page_html):
    return re.findall(r'name="(price-[0-9a-f-]+)" value="([^"]*)"', page_html)


async def test_changing_the_currency_reprices_every_service_on_one_page(browser, cast):
    owner = cast.acme_owner.actor
    haircut = await catalog.create_service(owner, ServiceIn("Haircut", "15"))
    await catalog.create_service(owner, ServiceIn("Facial", "25", is_active=False))
    await browser.log_in(cast.acme_owner.email, PASSWORD)

    settings = await browser.get("/app/settings")
    assert "in <strong>USD</strong>" in settings.text
    assert '<select id="f-currency" name="to"' in settings.text
    bad = await browser.get("/app/settings/currency?to=rupees")
    assert bad.status_code == 422 and 'id="e-currency"' in bad.text

    page = await browser.get("/app/settings/currency?to=PKR")
    assert page.status_code == 200
    assert "Change the currency to PKR" in page.text
    assert "USD 15" in page.text and "USD 25" in page.text and "inactive" in page.text
    fields = dict(_price_fields(page.text))
    assert fields == {
        f"price-{haircut.id}": "",
        **{k: "" for k in fields if k != f"price-{haircut.id}"},
    }
    assert len(fields) == 2

    missing = await browser.post(
        "/app/settings/currency", {"currency": "PKR", f"price-{haircut.id}": "1500"}
    )
    assert missing.status_code == 422
    assert "give Facial a price in PKR" in missing.text
    assert 'value="1500"' in missing.text, "what was typed stays"
    assert (
        await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    ).currency == "USD"

    form = {"currency": "PKR", **{name: "1500" for name in fields}}
    done = await browser.post("/app/settings/currency", form)
    assert done.status_code == 303 and done.headers["location"] == "/app/services"
    catalogue = await browser.get("/app/services")
    assert "PKR 1,500" in catalogue.text and "USD" not in catalogue.text
    assert "now prices in PKR: 2 services re-priced" in catalogue.text
    scope = TenantScope(cast.acme_owner.tenant_id)
    assert {r["currency"] for r in await scope.select(Service, Service.currency)} == {"PKR"}


async def test_staff_and_other_tenants_cannot_reprice(browser, cast):
    made = await catalog.create_service(cast.acme_owner.actor, ServiceIn("Haircut", "15"))
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    assert (await browser.get("/app/settings/currency?to=PKR")).status_code == 403
    await browser.get("/app/inbox")
    assert (await browser.post("/app/settings/currency", {"currency": "PKR"})).status_code == 403

    await browser.post("/logout", {})
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    page = await browser.get("/app/settings/currency?to=PKR")
    assert "Haircut" not in page.text
    stray = await browser.post(
        "/app/settings/currency", {"currency": "PKR", f"price-{made.id}": "1500"}
    )
    assert stray.status_code == 422 and "no service has the id" in stray.text
    assert (await catalog.get_service(cast.acme_owner.actor, made.id)).currency == "USD"


async def _karachi(member):
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == member.tenant_id)
    return TenantScope(member.tenant_id)


async def test_inbox_sandbox_orders_and_schedules_show_karachi_time(browser, cast):
    scope = await _karachi(cast.acme_owner)
    channel = await sandbox_channel(scope)
    conversation = await seed_conversation(scope, channel, phone="923001112223", at=AT)
    order = scope.new(Order, number=7, customer=conversation.customer, conversation=conversation.id)
    await order.save()
    await scope.update(Order, {Order.created_at: AT}).where(Order.id == order.id)
    change = scope.new(OrderStatusChange, order=order.id, to_status="DRAFT", created_at=AT)
    await change.save()
    await scope.update(OrderStatusChange, {OrderStatusChange.created_at: AT}).where(
        OrderStatusChange.id == change.id
    )
    customer = await scope.get(Customer, conversation.customer)
    identity = scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.PHONE, value="923001112223"
    )
    await identity.save()
    future = datetime(2030, 6, 1, 4, 0, tzinfo=UTC)  # 09:00 in Karachi
    await scope.new(ScheduledMessage, customer=customer.id, text="Hi", send_at=future).save()
    await browser.log_in(cast.acme_owner.email, PASSWORD)

    inbox = await browser.get("/app/inbox")
    listed = 'title="10 Mar 2026 14:15">10 Mar</time>'
    assert listed in inbox.text and "Times are in Asia/Karachi" in inbox.text
    thread = await browser.get(f"/app/inbox/{conversation.id}")
    assert listed in thread.text and ">14:15</time>" in thread.text, "the list and the message"
    assert "<span>Tuesday 10 March</span>" in thread.text, "the day, in Karachi"
    live = await browser.get("/app/inbox/list")
    assert listed in live.text
    chat = await browser.get("/app/sandbox/chat?phone=%2B923001112223")
    assert ">14:15</time>" in chat.text and ">09:15<" not in chat.text
    sandbox = await browser.get("/app/sandbox?phone=%2B923001112223")
    assert ">14:15</time>" in sandbox.text and "Times are in Asia/Karachi" in sandbox.text
    orders = await browser.get("/app/orders")
    assert "2026-03-10 14:15 PKT" in orders.text
    history = await browser.get(f"/app/orders/{order.id}")
    assert "2026-03-10 14:15 PKT" in history.text
    schedules = await browser.get("/app/schedules")
    assert "2030-06-01 09:00" in schedules.text and "(Asia/Karachi)" in schedules.text


async def test_billing_shows_the_period_in_karachi_time(browser, cast):
    scope = await _karachi(cast.acme_owner)
    start = datetime(2026, 2, 28, 20, 0, tzinfo=UTC)  # 1 March, 01:00 in Karachi
    end = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)  # 1 April, 01:30 in Karachi
    plan = await Plan.objects().where(Plan.price_minor == 0).first()
    await scope.new(
        Subscription,
        plan=plan.id,
        provider=PaymentProvider.MANUAL,
        status=SubscriptionStatus.ACTIVE,
        current_period_start=start,
        current_period_end=end,
    ).save()
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    billing = await browser.get("/app/billing")
    assert "01 Mar 2026 to 01 Apr 2026 01:30 PKT" in billing.text


async def test_the_operators_pages_say_utc(browser, cast):
    await _karachi(cast.acme_owner)
    await log_in_operator(browser)
    audit = await browser.get("/admin/audit")
    assert "When (UTC)" in audit.text
    tenants = await browser.get("/admin/tenants")
    assert "Created (UTC)" in tenants.text
