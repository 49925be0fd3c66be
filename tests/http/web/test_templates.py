"""The templates pages: admins write local templates, everyone previews, outsiders get 404."""

from datetime import UTC, datetime, timedelta

from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.service import conversation_for
from b2a.inbox.tables import Channel, Customer
from b2a.outbox import schedule, templates
from b2a.outbox.rules import MetaTemplateStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD

BODY = "Hello {{name}}, your table is at {{time}}."


async def test_an_admin_creates_edits_and_deletes_a_template(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    made = await browser.submit(
        "/app/templates", {"name": "Booking", "body": BODY, "language": "en"}
    )
    assert made.status_code == 303
    row = await MessageTemplate.objects().first()
    assert made.headers["location"] == f"/app/templates/{row.id}"
    listed = await browser.get("/app/templates")
    assert "Booking" in listed.text and "name, time" in listed.text
    saved = await browser.submit(
        f"/app/templates/{row.id}", {"name": "Booking", "body": "Hi {{name}}!", "language": "en"}
    )
    assert saved.status_code == 303
    assert (await MessageTemplate.objects().first()).body == "Hi {{name}}!"
    gone = await browser.post(f"/app/templates/{row.id}/delete", {})
    assert gone.status_code == 303 and await MessageTemplate.count() == 0


async def test_a_refused_template_keeps_what_was_typed(browser, cast):
    await templates.create_template(cast.acme_owner.actor, "Booking", BODY)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    form = {"name": "Booking", "body": "x", "language": "en"}
    taken = await browser.submit("/app/templates", form)
    assert taken.status_code == 409 and 'id="e-name"' in taken.text and "exists" in taken.text
    empty = await browser.post("/app/templates", {"name": "Other", "body": " ", "language": "en"})
    assert empty.status_code == 422 and 'id="e-body"' in empty.text
    assert 'value="Other"' in empty.text


async def test_the_preview_fills_variables_and_names_missing_and_unknown_ones(browser, cast):
    made = await templates.create_template(cast.acme_owner.actor, "Booking", BODY)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get(f"/app/templates/{made.id}")
    assert page.status_code == 200 and "name=\ntime=" in page.text
    assert 'action="/app/templates"' not in page.text
    url = f"/app/templates/{made.id}"
    good = await browser.get(url, params={"sample": "name=Ayesha\ntime=8 pm"})
    assert "Hello Ayesha, your table is at 8 pm." in good.text
    bad = await browser.get(url, params={"sample": "name=Ayesha\ntable=4"})
    assert bad.status_code == 422 and 'id="e-variables"' in bad.text
    assert "missing: time; not in the template: table" in bad.text
    odd = await browser.get(f"/app/templates/{made.id}?sample=Ayesha")
    assert "line 1 is not name=value" in odd.text


async def test_staff_cannot_write_templates(browser, cast):
    made = await templates.create_template(cast.acme_owner.actor, "Booking", BODY)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app/templates")
    refused = await browser.post("/app/templates", {"name": "X", "body": "y", "language": "en"})
    assert refused.status_code == 403
    assert (await browser.post(f"/app/templates/{made.id}/delete", {})).status_code == 403
    assert await MessageTemplate.count() == 1


async def test_a_template_a_pending_schedule_needs_is_not_deleted(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    made = await templates.create_template(cast.acme_owner.actor, "Hi", "Hi {{name}}")
    customer = scope.new(Customer, name="Ayesha", phone="923001234567")
    await customer.save()
    sandbox = scope.new(Channel, transport=Transport.SANDBOX, state=ChannelState.CONNECTED)
    await sandbox.save()
    await conversation_for(scope, sandbox.id, customer.id)  # she chatted in the sandbox
    later = datetime.now(UTC) + timedelta(days=1)
    variables = {"name": "A"}
    request = schedule.ScheduleRequest(customer.id, later, template_id=made.id, variables=variables)
    await schedule.schedule_message(scope, request)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get(f"/app/templates/{made.id}")
    refused = await browser.post(f"/app/templates/{made.id}/delete", {})
    assert refused.status_code == 409 and "cancel them first" in refused.text
    assert await MessageTemplate.count() == 1


async def test_another_tenants_template_answers_404(browser, cast):
    made = await templates.create_template(cast.globex_owner.actor, "Booking", BODY)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert (await browser.get(f"/app/templates/{made.id}")).status_code == 404
    await browser.get("/app/templates")
    edit = {"name": "Mine", "body": "x", "language": "en"}
    assert (await browser.post(f"/app/templates/{made.id}", edit)).status_code == 404
    assert (await browser.post(f"/app/templates/{made.id}/delete", {})).status_code == 404
    assert (await MessageTemplate.objects().first()).name == "Booking"


async def test_meta_templates_are_listed_with_their_status_and_never_edited_here(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = scope.new(Channel, transport=Transport.CLOUD, state=ChannelState.CONNECTED)
    await channel.save()
    meta = scope.new(
        MessageTemplate,
        source=TemplateSource.META,
        name="order_update",
        language="en_US",
        body="Your order {{1}} is ready",
        variables=["1"],
        meta_status=MetaTemplateStatus.PENDING,
    )
    await meta.save()
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/templates")
    assert "Meta templates (Cloud API)" in page.text and "order_update" in page.text
    assert "pending" in page.text and 'action="/app/templates/sync"' in page.text
    one = await browser.get(f"/app/templates/{meta.id}")
    edit_form = f'method="post" action="/app/templates/{meta.id}"'
    assert "WhatsApp Manager" in one.text and edit_form not in one.text
    refused = await browser.post(f"/app/templates/{meta.id}/delete", {})
    assert refused.status_code == 409 and await MessageTemplate.count() == 1
