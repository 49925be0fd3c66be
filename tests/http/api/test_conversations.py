"""The inbox list, its filters and search, and what agents do to a conversation."""

from datetime import UTC, datetime, timedelta

from b2a.audit.tables import AuditEntry
from b2a.inbox.rules import ConversationStatus, Owner
from b2a.inbox.tables import Label
from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _inbox(client, headers, **params):
    response = await client.get("/api/v1/conversations", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [c["customer"]["name"] for c in response.json()["items"]]


async def test_every_filter_and_search_narrows_the_list(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(scope)
    agent = cast.acme_agent.actor.user_id
    await seed_conversation(
        scope, channel, name="Ayesha Khan", phone="923001234567", at=T0, text="price kya hai?"
    )
    bilal = await seed_conversation(
        scope,
        channel,
        name="Bilal",
        at=T0 + timedelta(minutes=1),
        text="Is the CAKE ready?",
        status=ConversationStatus.ASSIGNED,
        assignee=agent,
        owner=Owner.HUMAN,
        unread=0,
    )
    await seed_conversation(
        scope,
        channel,
        name="Chen",
        at=T0 + timedelta(minutes=2),
        text="thanks",
        status=ConversationStatus.RESOLVED,
    )
    vip = Label(tenant=scope.tenant_id, name="vip")
    await vip.save()
    await client.post(
        f"/api/v1/conversations/{bilal.id}/labels",
        json={"label_id": str(vip.id)},
        headers=tokens.acme_agent,
    )
    h = tokens.acme_agent

    assert await _inbox(client, h) == ["Chen", "Bilal", "Ayesha Khan"]
    assert await _inbox(client, h, status="RESOLVED") == ["Chen"]
    assert await _inbox(client, h, owner="HUMAN") == ["Bilal"]
    assert await _inbox(client, h, assignee="me") == ["Bilal"]
    assert await _inbox(client, h, assignee=str(agent)) == ["Bilal"]
    assert await _inbox(client, h, assignee="none") == ["Chen", "Ayesha Khan"]
    assert await _inbox(client, h, label=str(vip.id)) == ["Bilal"]
    assert await _inbox(client, h, unread="true") == ["Chen", "Ayesha Khan"]
    assert await _inbox(client, h, unread="false") == ["Bilal"]
    assert await _inbox(client, h, q="ayesha") == ["Ayesha Khan"]
    assert await _inbox(client, h, q="+92 300 123") == ["Ayesha Khan"]
    assert await _inbox(client, h, q="cake") == ["Bilal"]
    assert await _inbox(client, h, q="nobody") == []
    bad = await client.get("/api/v1/conversations", params={"assignee": "x"}, headers=h)
    assert bad.status_code == 422 and bad.json()["field"] == "assignee"


async def test_pages_follow_the_cursor_to_the_end(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(scope)
    for n in range(5):
        await seed_conversation(scope, channel, name=f"c{n}", at=T0 + timedelta(seconds=n % 2))
    names, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/api/v1/conversations", params=params, headers=tokens.acme_owner)
        ).json()
        names += [c["customer"]["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(names) == [f"c{n}" for n in range(5)] and len(names) == 5


async def test_assign_status_labels_notes_and_read(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), unread=3)
    url = f"/api/v1/conversations/{conversation.id}"
    h = tokens.acme_owner
    agent = str(cast.acme_agent.actor.user_id)

    assigned = (await client.post(f"{url}/assign", json={"user_id": agent}, headers=h)).json()
    assert assigned["assignee_id"] == agent and assigned["status"] == "ASSIGNED"
    outsider = str(cast.globex_owner.actor.user_id)
    refused = await client.post(f"{url}/assign", json={"user_id": outsider}, headers=h)
    assert refused.status_code == 404
    opened = (await client.post(f"{url}/status", json={"status": "OPEN"}, headers=h)).json()
    assert opened["status"] == "ASSIGNED"  # OPEN and ASSIGNED follow the assignee
    resolved = (await client.post(f"{url}/status", json={"status": "RESOLVED"}, headers=h)).json()
    assert resolved["status"] == "RESOLVED"
    unassigned = (await client.post(f"{url}/assign", json={"user_id": None}, headers=h)).json()
    assert unassigned["assignee_id"] is None
    conflict = await client.post(f"{url}/status", json={"status": "ASSIGNED"}, headers=h)
    assert conflict.status_code == 409 and conflict.json()["code"] == "NOT_ASSIGNED"
    wrong = await client.post(f"{url}/status", json={"status": "SLEEPING"}, headers=h)
    assert wrong.status_code == 422

    label = (await client.post("/api/v1/labels", json={"name": "urgent"}, headers=h)).json()
    again = await client.post("/api/v1/labels", json={"name": "urgent"}, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "LABEL_EXISTS"
    for _ in range(2):  # adding twice is a no-op
        labelled = await client.post(f"{url}/labels", json={"label_id": label["id"]}, headers=h)
    assert [x["name"] for x in labelled.json()["labels"]] == ["urgent"]
    removed = await client.delete(f"{url}/labels/{label['id']}", headers=h)
    assert removed.json()["labels"] == []
    assert (await client.delete(f"{url}/labels/{label['id']}", headers=h)).status_code == 404
    label_url = f"/api/v1/labels/{label['id']}"
    recoloured = {"name": "Urgent!", "color": "#DC2626"}
    assert (
        await client.put(label_url, json=recoloured, headers=tokens.acme_agent)
    ).status_code == 403
    renamed = await client.put(label_url, json=recoloured, headers=h)
    assert renamed.json() == {"id": label["id"], "name": "Urgent!", "color": "#dc2626"}
    odd = await client.put(label_url, json={"name": "x", "color": "#123456"}, headers=h)
    assert odd.status_code == 422 and odd.json()["field"] == "color"
    assert "#2563eb (blue)" in odd.json()["message"]
    assert (await client.delete(label_url, headers=tokens.acme_agent)).status_code == 403
    assert (await client.delete(label_url, headers=h)).status_code == 204
    assert (await client.get("/api/v1/labels", headers=h)).json() == []

    note = await client.post(f"{url}/notes", json={"text": "VIP, be quick"}, headers=h)
    assert note.status_code == 201
    notes = (await client.get(f"{url}/notes", headers=tokens.acme_agent)).json()
    assert [n["text"] for n in notes] == ["VIP, be quick"]
    assert notes[0]["author_id"] == str(cast.acme_owner.actor.user_id)
    assert (await client.post(f"{url}/notes", json={"text": " "}, headers=h)).status_code == 422

    read = (await client.post(f"{url}/read", headers=h)).json()
    assert read["unread_count"] == 0


async def test_take_over_silences_the_ai_until_handed_back(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    url = f"/api/v1/conversations/{conversation.id}"
    taken = await client.post(
        f"{url}/take-over", json={"reason": "angry customer"}, headers=tokens.acme_agent
    )
    body = taken.json()
    assert body["owner"] == "HUMAN" and body["owner_reason"] == "angry customer"
    assert body["assignee_id"] == str(cast.acme_agent.actor.user_id)
    assert body["status"] == "ASSIGNED"
    back = (await client.post(f"{url}/hand-back", headers=tokens.acme_agent)).json()
    assert back["owner"] == "AI" and back["owner_reason"] == ""
    bare = (await client.post(f"{url}/take-over", headers=tokens.acme_owner)).json()
    assert bare["owner"] == "HUMAN" and "taken over by" in bare["owner_reason"]
    events = {row["event"] for row in await AuditEntry.select(AuditEntry.event)}
    assert {"conversation.taken_over", "conversation.handed_back"} <= events
