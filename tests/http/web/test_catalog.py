"""The services and FAQ page: admins write the catalogue, staff read it, outsiders get 404."""

from b2a.catalog import service as catalog
from b2a.catalog.schemas import FaqIn, ServiceIn
from b2a.catalog.tables import FaqEntry, Service
from b2a.orders import service as orders
from b2a.orders.rules import OrdersNeed
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD

SERVICE = {
    "name": "Haircut",
    "price": "1,500",
    "description": "Wash and cut",
    "synonyms": "hair cut, trim",
    "is_active": "on",
}


async def test_an_admin_adds_edits_and_deactivates_a_service(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    added = await browser.submit("/app/services", SERVICE)
    assert added.status_code == 303
    row = await Service.objects().first()
    assert (row.name, row.price_minor, row.currency) == ("Haircut", 150000, "USD")
    listed = await browser.get("/app/services")
    assert "USD 1,500" in listed.text and "hair cut, trim" in listed.text

    edit = await browser.get(f"/app/services/{row.id}")
    assert 'value="1500.00"' in edit.text
    assert "In USD, your business" in edit.text
    saved = await browser.post(f"/app/services/{row.id}", {**SERVICE, "price": "1500.50"})
    assert saved.status_code == 303
    assert "USD 1,500.50" in (await browser.get("/app/services")).text

    off = await browser.post(f"/app/services/{row.id}/active", {"active": "off"})
    assert off.status_code == 303
    assert (await Service.objects().first()).is_active is False
    assert "deactivated" in (await browser.get("/app/services")).text


async def test_a_refused_price_is_shown_next_to_its_field_with_what_was_typed(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    refused = await browser.submit("/app/services", {**SERVICE, "price": "fifteen hundred"})
    assert refused.status_code == 422
    assert 'id="e-price"' in refused.text and "plain decimal number" in refused.text
    assert 'value="fifteen hundred"' in refused.text and 'value="Haircut"' in refused.text
    assert await Service.count() == 0
    await catalog.create_service(cast.acme_owner.actor, ServiceIn(name="Haircut", price="10"))
    taken = await browser.submit("/app/services", SERVICE)
    assert taken.status_code == 409 and 'id="e-name"' in taken.text


async def test_an_admin_adds_edits_and_deletes_an_faq_entry(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    empty = await browser.submit(
        "/app/faq", {"question": "Open Sundays?", "answer": " "}, page="/app/services"
    )
    assert empty.status_code == 422 and 'id="e-answer"' in empty.text
    assert 'value="Open Sundays?"' in empty.text
    added = await browser.post(
        "/app/faq", {"question": "Open Sundays?", "answer": "No.", "is_active": "on"}
    )
    assert added.status_code == 303
    entry = await FaqEntry.objects().first()
    saved = await browser.submit(
        f"/app/faq/{entry.id}",
        {
            "question": "Open on Sundays?",
            "answer": "Closed on Sundays.",
            "synonyms": "itwar ko khula hai, sunday open",
        },
    )
    assert saved.status_code == 303
    stored = await FaqEntry.objects().first()
    assert (stored.question, stored.is_active) == ("Open on Sundays?", False)
    page = await browser.get("/app/services")
    assert "Closed on Sundays." in page.text and "not used" in page.text
    assert "Also: itwar ko khula hai, sunday open" in page.text
    form = await browser.get(f"/app/faq/{entry.id}")
    assert 'value="itwar ko khula hai, sunday open"' in form.text
    deleted = await browser.post(f"/app/faq/{entry.id}/delete", {})
    assert deleted.status_code == 303 and await FaqEntry.count() == 0


async def test_staff_read_the_catalogue_but_cannot_write_it(browser, cast):
    service = await catalog.create_service(
        cast.acme_owner.actor, ServiceIn(name="Haircut", price="1500")
    )
    entry = await catalog.create_faq_entry(cast.acme_owner.actor, FaqIn("Open?", "Yes."))
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app/services")
    assert page.status_code == 200 and "USD 1,500" in page.text
    assert 'action="/app/services"' not in page.text and "Deactivate" not in page.text
    assert (await browser.get(f"/app/services/{service.id}")).status_code == 200
    assert (await browser.post("/app/services", SERVICE)).status_code == 403
    refused = await browser.post(f"/app/services/{service.id}/active", {"active": "off"})
    assert refused.status_code == 403
    assert (await browser.post(f"/app/faq/{entry.id}/delete", {})).status_code == 403
    assert (await Service.objects().first()).is_active and await FaqEntry.count() == 1


async def test_another_tenants_service_and_faq_answer_404(browser, cast):
    service = await catalog.create_service(
        cast.globex_owner.actor, ServiceIn(name="Audit", price="99")
    )
    entry = await catalog.create_faq_entry(cast.globex_owner.actor, FaqIn("Open?", "Yes."))
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert (await browser.get(f"/app/services/{service.id}")).status_code == 404
    assert (await browser.get(f"/app/faq/{entry.id}")).status_code == 404
    await browser.get("/app/services")
    assert (await browser.post(f"/app/services/{service.id}", SERVICE)).status_code == 404
    assert (await browser.post(f"/app/faq/{entry.id}/delete", {})).status_code == 404
    assert await FaqEntry.count() == 1


async def test_an_admin_chooses_what_orders_need_and_staff_only_read_it(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/services")
    assert 'value="address" checked' in page.text and "Appointments — we need a time" in page.text
    wrong = await browser.post("/app/services/orders-need", {"orders_need": "car"})
    assert wrong.status_code == 422 and "choose delivery, appointments or neither" in wrong.text
    chosen = await browser.post("/app/services/orders-need", {"orders_need": "time"})
    assert chosen.status_code == 303
    assert 'value="time" checked' in (await browser.get("/app/services")).text
    assert await orders.required_fields(TenantScope(cast.acme_owner.tenant_id)) == (
        "name",
        "phone",
        "time",
    )


async def test_staff_read_what_orders_need_but_cannot_choose_it(browser, cast):
    await orders.set_orders_need(cast.acme_owner.actor, OrdersNeed.TIME)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    read = await browser.get("/app/services")
    assert "Orders are for: Appointments — we need a time." in read.text
    refused = await browser.post("/app/services/orders-need", {"orders_need": "none"})
    assert refused.status_code == 403


async def test_a_duration_is_typed_in_minutes_and_listed_as_people_read_it(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    added = await browser.submit("/app/services", {**SERVICE, "duration_minutes": "90"})
    assert added.status_code == 303
    row = await Service.objects().first()
    assert row.duration_minutes == 90
    assert "1 h 30 min" in (await browser.get("/app/services")).text
    edit = await browser.get(f"/app/services/{row.id}")
    assert 'name="duration_minutes" type="text" value="90"' in edit.text

    refused = await browser.post(f"/app/services/{row.id}", {**SERVICE, "duration_minutes": "1.5"})
    assert refused.status_code == 422
    assert 'id="e-duration_minutes"' in refused.text and "whole minutes" in refused.text
    cleared = await browser.post(f"/app/services/{row.id}", {**SERVICE, "duration_minutes": ""})
    assert cleared.status_code == 303
    assert (await Service.objects().first()).duration_minutes is None


async def test_an_admin_imports_a_csv_file_on_the_page_and_downloads_it(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/services")
    good = b"name,price,duration_minutes,synonyms\nHaircut,15,45,cut|trim\nFacial,30,,\n"
    imported = await browser.client.post(
        "/app/services/import",
        data={"_csrf": browser.csrf},
        files={"file": ("services.csv", good, "text/csv")},
        headers={"Accept": "text/html"},
    )
    assert imported.status_code == 303, imported.text
    listed = await browser.get("/app/services")
    assert "Imported: 2 added, 0 updated." in listed.text and "45 min" in listed.text

    bad = b"name,price\nManicure,twelve\n"
    refused = await browser.client.post(
        "/app/services/import",
        data={"_csrf": browser.csrf},
        files={"file": ("services.csv", bad, "text/csv")},
        headers={"Accept": "text/html"},
    )
    assert refused.status_code == 422
    assert 'id="e-file"' in refused.text and "row 2, price:" in refused.text
    assert await Service.count() == 2

    exported = await browser.get("/app/services/export")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[1] == "Haircut,15.00,,45,cut|trim,"


async def test_staff_see_durations_but_no_import_form(browser, cast):
    await catalog.create_service(
        cast.acme_owner.actor, ServiceIn(name="Facial", price="30", duration_minutes=60)
    )
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app/services")
    assert "1 h" in page.text and "Import services" not in page.text
    assert "Download the services as CSV" in page.text
