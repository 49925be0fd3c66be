"""The saved replies pages: admins write them, everyone reads them, the reply box sends them."""

from b2a.inbox import canned
from b2a.inbox.rules import Author
from b2a.inbox.tables import CannedReply, Message
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation


async def test_an_admin_makes_a_saved_reply_that_the_reply_box_sends(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    made = await browser.submit("/app/replies", {"shortcut": "/Hours", "text": "We open at 9."})
    assert made.status_code == 303 and made.headers["location"] == "/app/replies"
    listed = await browser.get("/app/replies")
    assert "<code>/hours</code>" in listed.text and "We open at 9." in listed.text

    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    thread = await browser.get(f"/app/inbox/{conversation.id}")
    assert 'href="/app/replies">saved reply</a>' in thread.text
    sent = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "/hours"})
    assert sent.status_code == 303
    agent = await scope.objects(Message).where(Message.author == Author.AGENT).first()
    assert agent.text == "We open at 9."


async def test_an_admin_edits_and_deletes_a_saved_reply(browser, cast):
    made = await canned.create_canned_reply(cast.acme_owner.actor, "hours", "9 to 5")
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get(f"/app/replies/{made.id}")
    assert page.status_code == 200 and ">9 to 5</textarea>" in page.text
    saved = await browser.post(
        f"/app/replies/{made.id}", {"shortcut": "timings", "text": "10 to 6"}
    )
    assert saved.status_code == 303
    row = await CannedReply.objects().first()
    assert (row.shortcut, row.text) == ("timings", "10 to 6")
    await browser.get(f"/app/replies/{made.id}")
    gone = await browser.post(f"/app/replies/{made.id}/delete", {})
    assert gone.status_code == 303 and await CannedReply.count() == 0


async def test_a_refused_reply_keeps_what_was_typed_next_to_the_field(browser, cast):
    await canned.create_canned_reply(cast.acme_owner.actor, "hours", "9 to 5")
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    taken = await browser.submit("/app/replies", {"shortcut": "hours", "text": "again"})
    assert taken.status_code == 409 and 'id="e-shortcut"' in taken.text
    assert "/hours is taken" in taken.text and ">again</textarea>" in taken.text
    bad = await browser.post("/app/replies", {"shortcut": "two words", "text": "x"})
    assert bad.status_code == 422 and 'value="two words"' in bad.text
    empty = await browser.post("/app/replies", {"shortcut": "ok", "text": "  "})
    assert empty.status_code == 422 and 'id="e-text"' in empty.text


async def test_staff_read_saved_replies_but_cannot_change_them(browser, cast):
    made = await canned.create_canned_reply(cast.acme_owner.actor, "hours", "9 to 5")
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    listed = await browser.get("/app/replies")
    assert listed.status_code == 200 and "/hours" in listed.text
    assert 'action="/app/replies"' not in listed.text
    assert 'href="/app/replies"' in listed.text, "in the staff's menu too"
    one = await browser.get(f"/app/replies/{made.id}")
    assert "9 to 5" in one.text and "/delete" not in one.text
    refused = await browser.post("/app/replies", {"shortcut": "x", "text": "y"})
    assert refused.status_code == 403
    assert (await browser.post(f"/app/replies/{made.id}/delete", {})).status_code == 403
    assert await CannedReply.count() == 1


async def test_another_tenants_saved_reply_is_not_found(browser, cast):
    made = await canned.create_canned_reply(cast.acme_owner.actor, "hours", "9 to 5")
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    assert "No saved replies yet." in (await browser.get("/app/replies")).text
    assert (await browser.get(f"/app/replies/{made.id}")).status_code == 404
    edit = await browser.post(f"/app/replies/{made.id}", {"shortcut": "mine", "text": "x"})
    assert edit.status_code == 404
    assert (await browser.post(f"/app/replies/{made.id}/delete", {})).status_code == 404
    assert (await CannedReply.objects().first()).text == "9 to 5"
