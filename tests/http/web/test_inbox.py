"""The team inbox page: list, filters, search, pages, the thread, and what agents do to it."""

import html
import json
import re
from datetime import UTC, datetime, timedelta

from b2a.db.keyset import DEFAULT_LIMIT
from b2a.inbox import actions, canned, labels
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.media import tenant_media_dir
from b2a.inbox.rules import Author, ConversationStatus, DeliveryState, Direction, Owner
from b2a.inbox.tables import Conversation, Message, Note
from b2a.lib import events
from b2a.lib.crypto import SecretBox
from b2a.outbox.rules import MetaTemplateStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.conftest import PASSWORD
from tests.fakes.graph_api import TOKEN
from tests.http.api.conftest import sandbox_channel, seed_conversation

SCRIPT = "<script>alert('x')</script>"


def names_listed(page_html: str) -> list[str]:
    return re.findall(r'<span class="conv-who">([^<]*)</span>', page_html)


async def _logged_in(browser, member):
    await browser.log_in(member.email, PASSWORD)
    return TenantScope(member.tenant_id)


async def test_the_list_filters_and_searches(browser, cast):
    scope = await _logged_in(browser, cast.acme_agent)
    channel = await sandbox_channel(scope)
    now = datetime.now(UTC)
    ayesha = await seed_conversation(scope, channel, name="Ayesha", at=now, phone="923001112223")
    bilal = await seed_conversation(
        scope,
        channel,
        name="Bilal",
        text="delivery kab hogi?",
        owner=Owner.HUMAN,
        unread=0,
        assignee=cast.acme_agent.actor.user_id,
        status=ConversationStatus.ASSIGNED,
        at=now - timedelta(minutes=1),
    )
    await seed_conversation(
        scope,
        channel,
        name="Chand",
        status=ConversationStatus.RESOLVED,
        unread=0,
        at=now - timedelta(minutes=2),
    )
    vip = await labels.create_label(cast.acme_agent.actor, "vip")
    await actions.add_label(cast.acme_agent.actor, ayesha.id, vip.id)

    everything = await browser.get("/app/inbox")
    assert everything.status_code == 200
    assert names_listed(everything.text) == ["Ayesha", "Bilal", "Chand"]
    assert 'href="/app/inbox" aria-current="page"' in everything.text, "in the menu"

    async def listed(query: str) -> list[str]:
        return names_listed((await browser.get(f"/app/inbox?{query}")).text)

    assert await listed("q=delivery") == ["Bilal"]
    assert await listed("q=1112223") == ["Ayesha"]
    assert await listed("q=chand") == ["Chand"]
    assert await listed("owner=HUMAN") == ["Bilal"]
    assert await listed("assignee=me") == ["Bilal"]
    assert await listed("assignee=none") == ["Ayesha", "Chand"]
    assert await listed("unread=yes") == ["Ayesha"]
    assert await listed("status=RESOLVED") == ["Chand"]
    assert await listed(f"label={vip.id}") == ["Ayesha"]
    bad = await browser.get("/app/inbox?status=SHOUTING")
    assert bad.status_code == 200 and "not one of the choices" in bad.text
    assert names_listed(bad.text) == ["Ayesha", "Bilal", "Chand"]

    fragment = await browser.get(f"/app/inbox/list?owner=HUMAN&selected={bilal.id}")
    assert fragment.text.lstrip().startswith('<div id="inbox-list"'), "a fragment, no layout"
    assert names_listed(fragment.text) == ["Bilal"] and 'aria-current="true"' in fragment.text


async def test_older_conversations_come_a_page_at_a_time(browser, cast):
    scope = await _logged_in(browser, cast.acme_owner)
    channel = await sandbox_channel(scope)
    start = datetime.now(UTC)
    for n in range(DEFAULT_LIMIT + 1):
        await seed_conversation(
            scope, channel, name=f"Customer {n:02d}", at=start - timedelta(minutes=n)
        )
    first = await browser.get("/app/inbox")
    assert len(names_listed(first.text)) == DEFAULT_LIMIT
    assert f"Customer {DEFAULT_LIMIT:02d}" not in names_listed(first.text)
    older = re.search(r'href="(/app/inbox\?cursor=[^"]+)">Older conversations', first.text)
    assert older, "a link to the older page"
    second = await browser.get(html.unescape(older.group(1)))
    assert names_listed(second.text) == [f"Customer {DEFAULT_LIMIT:02d}"]
    assert "Older conversations" not in second.text


async def test_the_thread_shows_ticks_failures_notes_the_owner_and_escapes_text(browser, cast):
    scope = await _logged_in(browser, cast.acme_owner)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), text=SCRIPT)
    at = datetime.now(UTC)
    for n, (state, code, detail) in enumerate(
        [
            (DeliveryState.READ, "", ""),
            (DeliveryState.DEAD, "131026", "WhatsApp could not deliver this to the number."),
        ]
    ):
        await scope.new(
            Message,
            conversation=conversation.id,
            direction=Direction.OUTBOUND,
            author=Author.AI,
            text=f"answer {n}",
            state=state,
            error_code=code,
            error_detail=detail,
            created_at=at + timedelta(seconds=n + 1),
        ).save()
    await actions.add_note(cast.acme_owner.actor, conversation.id, "call her back <b>today</b>")
    await scope.update(
        Conversation,
        {Conversation.owner: Owner.HUMAN, Conversation.owner_reason: "daily limit reached"},
    ).where(Conversation.id == conversation.id)

    page = await browser.get(f"/app/inbox/{conversation.id}")
    assert page.status_code == 200
    assert SCRIPT not in page.text and "&lt;script&gt;alert(" in page.text
    assert 'class="ticks read"' in page.text
    assert "WhatsApp could not deliver this to the number." in page.text
    assert 'class="note"' in page.text and "call her back &lt;b&gt;today&lt;/b&gt;" in page.text
    assert "Humans answer" in page.text and "daily limit reached" in page.text
    assert "Hand back to the assistant" in page.text
    assert "Customer service window" not in page.text, "the sandbox has no 24-hour window"
    row = await scope.get(Conversation, conversation.id)
    assert row.unread_count == 0, "opening a conversation reads it"
    fragment = await browser.get(f"/app/inbox/{conversation.id}/thread")
    assert fragment.text.lstrip().startswith('<div id="inbox-thread"')


async def test_a_stored_file_is_linked_and_served_to_the_tenant_only(
    browser, other_browser, cast, settings
):
    scope = await _logged_in(browser, cast.acme_agent)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    folder = tenant_media_dir(settings.core.media_root, scope.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "photo.png").write_bytes(b"\x89PNG a picture")
    image = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.INBOUND,
        kind="image",
        media_path="photo.png",
        media_mime="image/png",
        media_size=2048,
        state=DeliveryState.RECEIVED,
    )
    await image.save()
    page = await browser.get(f"/app/inbox/{conversation.id}")
    link = f'href="/api/v1/messages/{image.id}/media"'
    assert link in page.text and "image (2 KB)" in page.text
    served = await browser.client.get(f"/api/v1/messages/{image.id}/media")
    assert served.status_code == 200 and served.content == b"\x89PNG a picture"
    await other_browser.log_in(cast.globex_owner.email, PASSWORD)
    foreign = await other_browser.client.get(f"/api/v1/messages/{image.id}/media")
    assert foreign.status_code == 404


async def test_a_staff_member_replies_and_the_ai_falls_silent(browser, cast):
    scope = await _logged_in(browser, cast.acme_agent)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    await canned.create_canned_reply(cast.acme_owner.actor, "hours", "We open at 9.")
    page = await browser.get(f"/app/inbox/{conversation.id}")
    assert "/hours" in page.text, "saved replies are offered"

    sent = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": f"Ji {SCRIPT}"})
    assert sent.status_code == 303 and sent.headers["location"] == f"/app/inbox/{conversation.id}"
    shortcut = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "/hours"})
    assert shortcut.status_code == 303
    rows = (
        await scope.objects(Message)
        .where(Message.author == Author.AGENT)
        .order_by(Message.created_at)
    )
    assert [r.text for r in rows] == [f"Ji {SCRIPT}", "We open at 9."]
    assert rows[0].sent_by == cast.acme_agent.actor.user_id
    assert (await scope.get(Conversation, conversation.id)).owner == Owner.HUMAN
    thread = await browser.get(f"/app/inbox/{conversation.id}")
    assert SCRIPT not in thread.text
    assert re.search(r"agent@acme\.test\s*</p>", thread.text), "signed by the agent"

    unknown = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "/nothing"})
    assert unknown.status_code == 404 and "no saved reply /nothing" in unknown.text
    assert ">/nothing</textarea>" in unknown.text, "what was typed stays in the box"


async def test_outside_the_window_the_page_says_so_and_refuses_text_in_plain_words(
    browser, cast, settings
):
    scope = await _logged_in(browser, cast.acme_agent)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    closed = await seed_conversation(scope, channel, window_open=False)
    template = MessageTemplate(
        tenant=scope.tenant_id,
        source=TemplateSource.META,
        name="order_ready",
        language="en",
        body="Hi {{1}}, your order is ready.",
        variables=["1"],
        meta_status=MetaTemplateStatus.APPROVED,
    )
    await template.save()

    page = await browser.get(f"/app/inbox/{closed.id}")
    assert "window closed: only templates can be sent" in page.text
    assert 'name="text"' not in page.text, "no text box while only templates may go"
    assert 'name="var_1"' in page.text and "Send order_ready" in page.text
    refused = await browser.post(f"/app/inbox/{closed.id}/reply", {"text": "hello?"})
    assert refused.status_code == 409
    assert 'id="inbox-error"' in refused.text and "approved template" in refused.text
    missing = await browser.post(f"/app/inbox/{closed.id}/reply", {"template_id": str(template.id)})
    assert missing.status_code == 422 and 'id="inbox-error"' in missing.text
    sent = await browser.post(
        f"/app/inbox/{closed.id}/reply", {"template_id": str(template.id), "var_1": "Ayesha"}
    )
    assert sent.status_code == 303
    assert await scope.exists(Message).where(Message.template.is_not_null())

    opened = await seed_conversation(scope, channel, window_open=True)
    page = await browser.get(f"/app/inbox/{opened.id}")
    assert re.search(r"window open until \d\d:\d\d", page.text)


async def test_assign_status_labels_notes_take_over_and_hand_back(browser, cast):
    scope = await _logged_in(browser, cast.acme_agent)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    path = f"/app/inbox/{conversation.id}"
    await browser.get(path)

    async def done(action: str, data: dict[str, str]) -> Conversation:
        response = await browser.post(f"{path}/{action}", data)
        assert response.status_code == 303, response.text
        return await scope.get(Conversation, conversation.id)

    mine = await done("assign", {"user_id": "me"})
    assert mine.assignee == cast.acme_agent.actor.user_id and mine.status == "ASSIGNED"
    owner = await done("assign", {"user_id": str(cast.acme_owner.actor.user_id)})
    assert owner.assignee == cast.acme_owner.actor.user_id
    assert (await done("assign", {"user_id": ""})).assignee is None
    assert (await done("status", {"status": "RESOLVED"})).status == "RESOLVED"

    await done("labels", {"name": "vip"})
    page = await browser.get(path)
    assert '<span class="badge label label-64748b">vip</span>' in page.text
    [label] = await labels.list_labels(cast.acme_agent.actor)
    await done(f"labels/{label.id}/remove", {})
    assert '<span class="badge label label-64748b">vip</span>' not in (await browser.get(path)).text
    await done("labels", {"label_id": str(label.id)})
    assert (await labels.list_labels(cast.acme_agent.actor)) == [label]

    await done("note", {"note": "she prefers calls"})
    assert await scope.exists(Note).where(Note.text == "she prefers calls")
    taken = await done("take-over", {"reason": "asked for the manager"})
    assert taken.owner == Owner.HUMAN and taken.owner_reason == "asked for the manager"
    assert "asked for the manager" in (await browser.get(path)).text
    assert (await done("hand-back", {})).owner == Owner.AI

    refused = await browser.post(f"{path}/status", {"status": "ASSIGNED"})
    assert refused.status_code == 409 and "assign someone" in refused.text
    empty = await browser.post(f"{path}/note", {"note": "  "})
    assert empty.status_code == 422 and "a note has 1 to 10,000 characters" in empty.text


async def test_a_change_made_on_the_page_reaches_the_other_open_inboxes(browser, cast, redis):
    scope = await _logged_in(browser, cast.acme_agent)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), unread=0)
    await browser.get(f"/app/inbox/{conversation.id}")
    since = await events.last_id(redis, str(scope.tenant_id))
    await browser.post(f"/app/inbox/{conversation.id}/assign", {"user_id": "me"})
    await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "on it"})
    stored = await events.read_after(redis, str(scope.tenant_id), since, block_ms=1)
    published = [json.loads(e.data) for e in stored]
    assert [(e["type"], e["conversation_id"]) for e in published] == [
        ("conversation.updated", str(conversation.id)),
        ("message.created", str(conversation.id)),
    ]


async def test_another_tenants_conversation_is_not_found(browser, cast):
    globex = TenantScope(cast.globex_owner.tenant_id)
    theirs = await seed_conversation(globex, await sandbox_channel(globex), name="Zed")
    await _logged_in(browser, cast.acme_owner)
    assert "Zed" not in (await browser.get("/app/inbox")).text
    assert (await browser.get(f"/app/inbox/{theirs.id}")).status_code == 404
    assert (await browser.get(f"/app/inbox/{theirs.id}/thread")).status_code == 404
    reply = await browser.post(f"/app/inbox/{theirs.id}/reply", {"text": "hi"})
    assert reply.status_code == 404
    taken = await browser.post(f"/app/inbox/{theirs.id}/take-over", {})
    assert taken.status_code == 404
    assert (await globex.get(Conversation, theirs.id)).owner == Owner.AI
    assert not await globex.exists(Message).where(Message.direction == Direction.OUTBOUND)


async def test_a_post_without_the_csrf_token_is_refused(browser, cast):
    scope = await _logged_in(browser, cast.acme_agent)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    await browser.get(f"/app/inbox/{conversation.id}")
    browser.csrf = ""
    refused = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "hi"})
    assert refused.status_code == 403
    assert not await scope.exists(Message).where(Message.direction == Direction.OUTBOUND)


async def test_visitors_are_sent_to_log_in(browser):
    response = await browser.get("/app/inbox")
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login?next=/app/inbox")
