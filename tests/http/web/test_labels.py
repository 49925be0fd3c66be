"""The labels page: admins create, rename, recolour and delete; chips carry their colour."""

import re
from pathlib import Path

from b2a.inbox import actions, labels
from b2a.inbox.labels import PALETTE
from b2a.inbox.tables import ConversationLabel, Label
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation

CSS = Path(__file__).resolve().parents[3] / "b2a" / "server" / "static" / "css" / "app.css"


async def test_an_admin_creates_renames_and_recolours_a_label(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    made = await browser.submit("/app/labels", {"name": "VIP", "color": PALETTE["red"]})
    assert made.status_code == 303
    row = await Label.objects().first()
    assert (row.name, row.color) == ("VIP", "#dc2626")
    page = await browser.get("/app/labels")
    assert '<span class="badge label label-dc2626">VIP</span>' in page.text
    saved = await browser.post(f"/app/labels/{row.id}", {"name": "Gold", "color": PALETTE["blue"]})
    assert saved.status_code == 303
    row = await Label.objects().first()
    assert (row.name, row.color) == ("Gold", "#2563eb")


async def test_deleting_says_how_many_conversations_lose_the_label(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(scope)
    vip = await labels.create_label(cast.acme_owner.actor, "VIP")
    for phone in ("923001110001", "923001110002"):
        conversation = await seed_conversation(scope, channel, phone=phone)
        await actions.add_label(cast.acme_owner.actor, conversation.id, vip.id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/labels")
    assert "on 2 conversations" in page.text
    assert "VIP is on 2 conversations: deleting it takes it off them." in page.text
    gone = await browser.post(f"/app/labels/{vip.id}/delete", {})
    assert gone.status_code == 303
    assert await Label.count() == 0 and await ConversationLabel.count() == 0
    assert "taken off its conversations" in (await browser.get("/app/labels")).text


async def test_a_refused_change_shows_on_its_row_with_what_was_typed(browser, cast):
    vip = await labels.create_label(cast.acme_owner.actor, "VIP")
    await labels.create_label(cast.acme_owner.actor, "Late")
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/labels")
    taken = await browser.post(f"/app/labels/{vip.id}", {"name": "Late", "color": PALETTE["grey"]})
    assert taken.status_code == 409
    assert f'id="e-label-{vip.id}"' in taken.text and "exists already" in taken.text
    assert re.search(rf'id="n-{vip.id}" name="name" value="Late"', taken.text)
    odd = await browser.post("/app/labels", {"name": "New", "color": "#123456"})
    assert odd.status_code == 422 and "choose one of the label colours" in odd.text
    assert 'value="New"' in odd.text


async def test_staff_see_labels_but_cannot_manage_them(browser, cast):
    vip = await labels.create_label(cast.acme_owner.actor, "VIP")
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app/labels")
    assert page.status_code == 200 and "VIP" in page.text and "/delete" not in page.text
    refused = await browser.post(f"/app/labels/{vip.id}", {"name": "X", "color": PALETTE["red"]})
    assert refused.status_code == 403
    assert (await browser.post(f"/app/labels/{vip.id}/delete", {})).status_code == 403
    assert (await browser.post("/app/labels", {"name": "Y"})).status_code == 403
    assert [label.name for label in await labels.list_labels(cast.acme_agent.actor)] == ["VIP"]


async def test_another_tenants_label_is_not_found(browser, cast):
    vip = await labels.create_label(cast.acme_owner.actor, "VIP")
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    assert "No labels yet." in (await browser.get("/app/labels")).text
    renamed = await browser.post(f"/app/labels/{vip.id}", {"name": "Mine", "color": PALETTE["red"]})
    assert renamed.status_code == 404
    assert (await browser.post(f"/app/labels/{vip.id}/delete", {})).status_code == 404
    assert (await Label.objects().first()).name == "VIP"


async def test_label_chips_in_the_inbox_show_their_colour(browser, cast):
    scope = TenantScope(cast.acme_agent.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    vip = await labels.create_label(cast.acme_owner.actor, "VIP", color=PALETTE["green"])
    await actions.add_label(cast.acme_agent.actor, conversation.id, vip.id)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    thread = await browser.get(f"/app/inbox/{conversation.id}")
    assert thread.text.count('<span class="badge label label-16a34a">VIP</span>') == 2


def test_the_stylesheet_has_a_class_for_every_palette_colour():
    css = CSS.read_text()
    for color in PALETTE.values():
        assert f".label.label-{color[1:]} {{ --label: {color}; }}" in css
