"""Canned replies: shortcuts unique per tenant, read by everyone, written by tenant admins."""


async def test_canned_replies_by_shortcut(client, tokens):
    owner, agent = tokens.acme_owner, tokens.acme_agent
    made = await client.post(
        "/api/v1/canned-replies",
        json={"shortcut": "/Hours", "text": "9 to 5, Mon-Sat."},
        headers=owner,
    )
    assert made.status_code == 201 and made.json()["shortcut"] == "hours"
    await client.post(
        "/api/v1/canned-replies",
        json={"shortcut": "help", "text": "How can we help?"},
        headers=owner,
    )
    taken = await client.post(
        "/api/v1/canned-replies", json={"shortcut": "hours", "text": "x"}, headers=owner
    )
    assert taken.status_code == 409 and taken.json()["code"] == "SHORTCUT_EXISTS"
    bad = await client.post(
        "/api/v1/canned-replies", json={"shortcut": "a b", "text": "x"}, headers=owner
    )
    assert bad.status_code == 422 and bad.json()["field"] == "shortcut"

    listed = (await client.get("/api/v1/canned-replies", headers=agent)).json()
    assert [c["shortcut"] for c in listed] == ["help", "hours"]
    typed = (
        await client.get("/api/v1/canned-replies", params={"prefix": "/ho"}, headers=agent)
    ).json()
    assert [c["shortcut"] for c in typed] == ["hours"]
    found = await client.get("/api/v1/canned-replies/by-shortcut/hours", headers=agent)
    assert found.json()["text"] == "9 to 5, Mon-Sat."
    missing = await client.get("/api/v1/canned-replies/by-shortcut/nope", headers=agent)
    assert missing.status_code == 404

    url = f"/api/v1/canned-replies/{made.json()['id']}"
    body = {"shortcut": "timings", "text": "10 to 6."}
    assert (await client.put(url, json=body, headers=agent)).status_code == 403
    changed = await client.put(url, json=body, headers=owner)
    assert changed.json() == {"id": made.json()["id"], "shortcut": "timings", "text": "10 to 6."}
    assert (await client.delete(url, headers=agent)).status_code == 403
    assert (await client.delete(url, headers=owner)).status_code == 204
    assert [
        c["shortcut"] for c in (await client.get("/api/v1/canned-replies", headers=agent)).json()
    ] == ["help"]
