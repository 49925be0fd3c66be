"""A customer's data from the inbox: the tenant admin downloads it or erases the customer."""

import io
import json
import zipfile

from b2a.inbox.tables import Conversation, Customer
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation


async def _conversation(member):
    scope = member.actor.scope
    return await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")


async def test_the_owner_downloads_everything_about_a_customer(browser, cast):
    conversation = await _conversation(cast.acme_owner)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    shown = await browser.get(f"/app/inbox/{conversation.id}")
    link = f"/app/customers/{conversation.customer}/export"
    assert link in shown.text and "Erase the customer" in shown.text

    download = await browser.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        document = json.loads(archive.read("customer.json"))
    assert document["customer"]["name"] == "Ayesha"
    assert document["conversations"][0]["messages"][0]["text"] == "price kya hai?"


async def test_erasing_needs_the_word_typed_then_removes_the_conversations(browser, cast):
    conversation = await _conversation(cast.acme_owner)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get(f"/app/inbox/{conversation.id}")
    erase = f"/app/customers/{conversation.customer}/erase"
    back = f"/app/inbox/{conversation.id}"

    refused = await browser.post(erase, {"confirm": "erase please", "back": back})
    assert refused.status_code == 303 and refused.headers["location"] == back
    assert "type ERASE to confirm" in (await browser.get(back)).text
    assert await Conversation.exists().where(Conversation.id == conversation.id)

    done = await browser.post(erase, {"confirm": "ERASE", "back": back})
    assert done.status_code == 303 and done.headers["location"] == "/app/inbox"
    assert "are erased" in (await browser.get("/app/inbox")).text
    assert not await Conversation.exists().where(Conversation.id == conversation.id)
    tombstone = await Customer.objects().where(Customer.id == conversation.customer).first()
    assert tombstone.erased_at is not None and tombstone.name == ""


async def test_staff_see_no_customer_data_controls_and_are_refused(browser, cast):
    conversation = await _conversation(cast.acme_agent)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    shown = await browser.get(f"/app/inbox/{conversation.id}")
    assert shown.status_code == 200 and "/export" not in shown.text
    assert (await browser.get(f"/app/customers/{conversation.customer}/export")).status_code == 403
    erase = await browser.post(
        f"/app/customers/{conversation.customer}/erase", {"confirm": "ERASE"}
    )
    assert erase.status_code == 403
    assert await Conversation.exists().where(Conversation.id == conversation.id)


async def test_another_businesss_customer_is_not_found(browser, cast):
    conversation = await _conversation(cast.acme_owner)
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    await browser.get("/app/inbox")
    path = f"/app/customers/{conversation.customer}"
    assert (await browser.get(f"{path}/export")).status_code == 404
    await browser.get("/app/inbox")
    assert (await browser.post(f"{path}/erase", {"confirm": "ERASE"})).status_code == 404
    assert await Conversation.exists().where(Conversation.id == conversation.id)


async def test_staff_edit_a_customer_but_see_no_export_or_erase(browser, cast):
    conversation = await _conversation(cast.acme_owner)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    url = f"/app/customers/{conversation.customer}"
    shown = await browser.get(url)
    assert shown.status_code == 200
    assert f"/app/inbox/{conversation.id}" in shown.text and "sandbox" in shown.text
    assert "/export" not in shown.text and "Erase the customer" not in shown.text

    refused = await browser.post(url, {"name": "Ayesha", "email": "not-an-address"})
    assert refused.status_code == 422 and "is not an email address" in refused.text
    saved = await browser.post(url, {"name": "Ayesha Khan", "email": "", "address": "12 Mall Rd"})
    assert saved.status_code == 303
    customer = await cast.acme_owner.actor.scope.get(Customer, conversation.customer)
    assert (customer.name, customer.address) == ("Ayesha Khan", "12 Mall Rd")


async def test_a_customer_added_by_hand_opens_and_a_taken_number_says_so(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    await browser.get("/app/customers")
    added = await browser.post("/app/customers", {"phone": "+92 300 1234567", "name": "Bilal"})
    assert added.status_code == 303
    page = await browser.get(added.headers["location"])
    assert "Bilal" in page.text and "+92 300 1234567" in page.text
    directory = await browser.get("/app/customers")
    assert "/app/customers/export" not in directory.text  # the whole directory: admins only
    assert (await browser.get("/app/customers/export")).status_code == 403
    await browser.get("/app/customers")
    taken = await browser.post("/app/customers", {"phone": "00923001234567"})
    assert taken.status_code == 409 and "is a customer already" in taken.text


async def test_another_businesss_customer_page_is_not_found(browser, cast):
    conversation = await _conversation(cast.acme_owner)
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    url = f"/app/customers/{conversation.customer}"
    assert (await browser.get(url)).status_code == 404
    await browser.get("/app/customers")
    changed = await browser.post(url, {"name": "Taken"})
    assert changed.status_code == 404
    listed = await browser.get("/app/customers?q=Ayes")
    assert "Ayesha" not in listed.text and "No customer matches" in listed.text
