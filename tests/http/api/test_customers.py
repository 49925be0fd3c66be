"""GDPR over HTTP: the tenant admin downloads a customer's archive, then erases them."""

import io
import json
import zipfile

from b2a.inbox.tables import Customer
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from tests.http.api.conftest import sandbox_channel, seed_conversation


async def test_a_tenant_admin_downloads_then_erases_a_customer(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    url = f"/api/v1/customers/{conversation.customer}"

    assert (await client.get(f"{url}/export", headers=tokens.acme_agent)).status_code == 403
    assert (await client.post(f"{url}/erase", headers=tokens.acme_agent)).status_code == 403

    download = await client.get(f"{url}/export", headers=tokens.acme_owner)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert json.loads(archive.read("customer.json"))["customer"]["name"] == "Ayesha"

    erased = await client.post(f"{url}/erase", headers=tokens.acme_owner)
    assert erased.status_code == 200 and erased.json() == {"files_removed": 0}
    assert (await scope.get(Customer, conversation.customer)).erased_at is not None
    listed = await client.get("/api/v1/conversations", headers=tokens.acme_owner)
    assert listed.json()["items"] == []


async def _karachi(tenant_id):
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == tenant_id)


async def test_staff_add_search_tag_and_open_a_customer(client, cast, tokens):
    await _karachi(cast.acme_owner.tenant_id)
    made = await client.post(
        "/api/v1/customers",
        json={"phone": "0300 123-4567", "name": "Bilal Khan", "tags": ["VIP"]},
        headers=tokens.acme_agent,
    )
    assert made.status_code == 201, made.text
    customer = made.json()
    assert customer["phone"] == "923001234567"
    assert [t["name"] for t in customer["tags"]] == ["VIP"]
    again = await client.post(
        "/api/v1/customers", json={"phone": "+92 300 1234567"}, headers=tokens.acme_agent
    )
    assert again.status_code == 409 and again.json()["code"] == "CUSTOMER_EXISTS"
    await client.post(
        "/api/v1/customers",
        json={"phone": "+447911123456", "name": "Zara"},
        headers=tokens.acme_agent,
    )

    async def found(**params):
        listed = await client.get("/api/v1/customers", params=params, headers=tokens.acme_agent)
        assert listed.status_code == 200, listed.text
        return [c["name"] for c in listed.json()["items"]]

    assert await found() == ["Zara", "Bilal Khan"]
    for number in ("+92 300", "92300", "0300 12", "+92-300-123", "0092 300"):
        assert await found(q=number) == ["Bilal Khan"], number
    assert await found(q="bilal") == ["Bilal Khan"]
    assert await found(tag="VIP") == ["Bilal Khan"]
    assert await found(q="+44 79") == ["Zara"]
    assert await found(q="nobody") == []

    url = f"/api/v1/customers/{customer['id']}"
    changed = await client.patch(
        url,
        json={"email": "bilal@example.com", "tags": ["Wholesale", "vip"]},
        headers=tokens.acme_agent,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Bilal Khan"
    assert changed.json()["email"] == "bilal@example.com"
    assert sorted(t["name"] for t in changed.json()["tags"]) == ["VIP", "Wholesale"]
    bad = await client.patch(url, json={"email": "not an address"}, headers=tokens.acme_agent)
    assert bad.status_code == 422 and bad.json()["field"] == "email"


async def test_a_customer_shows_their_conversations_orders_and_sandbox_badge(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    opened = await client.get(
        f"/api/v1/customers/{conversation.customer}", headers=tokens.acme_agent
    )
    assert opened.status_code == 200
    body = opened.json()
    assert body["sandbox"] is True
    assert [c["id"] for c in body["conversations"]] == [str(conversation.id)]
    assert body["conversations"][0]["transport"] == "sandbox"
    assert body["orders"] == []
    listed = await client.get("/api/v1/customers", headers=tokens.acme_agent)
    assert listed.json()["items"][0]["sandbox"] is True


async def test_another_tenants_customers_are_not_found_and_never_listed(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    acme = await scope.get(Customer, conversation.customer)
    url = f"/api/v1/customers/{acme.id}"
    for method, body in (("GET", None), ("PATCH", {"name": "Taken"})):
        answer = await client.request(method, url, json=body, headers=tokens.globex_owner)
        assert answer.status_code == 404, method
        assert "Ayesha" not in answer.text
    for params in ({}, {"q": "Ayesha"}, {"q": acme.phone[:5]}):
        listed = await client.get("/api/v1/customers", params=params, headers=tokens.globex_owner)
        assert listed.json()["items"] == []
    exported = await client.get("/api/v1/customers/export", headers=tokens.globex_owner)
    assert "Ayesha" not in exported.text and acme.phone not in exported.text
    # The same number in Globex's file is a new Globex customer; Acme's stays as it was.
    csv_file = f"name,phone\nGlobex Ayesha,+{acme.phone}\n".encode()
    imported = await client.post(
        "/api/v1/customers/import",
        files={"file": ("c.csv", csv_file, "text/csv")},
        headers=tokens.globex_owner,
    )
    assert imported.json()["created"] == 1 and imported.json()["updated"] == 0
    assert (await scope.get(Customer, acme.id)).name == "Ayesha"


async def test_a_file_with_bad_lines_imports_nothing_and_says_why_line_by_line(
    client, cast, tokens
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    bad = (
        "\ufeffFull Name;Mobile;E-mail;Labels\n"
        "Ali;+92 300 1111111;ali@example.com;VIP\n"
        "Sara;12345;;\n"
        "Omar;+92 300 1111111;;\n"
        "Nida;+92 300 2222222;nida@;\n"
    ).encode()

    async def send(data, **params):
        return await client.post(
            "/api/v1/customers/import",
            params=params,
            files={"file": ("customers.csv", data, "text/csv")},
            headers=tokens.acme_agent,
        )

    refused = await send(bad)
    assert refused.status_code == 422
    report = refused.json()
    assert report["imported"] is False
    assert [(p["line"], p["field"]) for p in report["problems"]] == [
        (3, "phone"),
        (4, "phone"),
        (5, "email"),
    ]
    assert "line 2" in report["problems"][1]["reason"]
    assert await scope.count(Customer) == 0

    good = (
        bad.decode()
        .replace("12345", "+92 300 3333333")
        .replace("Omar;+92 300 1111111", "Omar;+92 300 4444444")
        .replace("nida@", "nida@example.com")
    )
    checked = await send(good.encode(), dry_run="true")
    assert checked.status_code == 200
    assert checked.json()["imported"] is False and checked.json()["created"] == 4
    assert await scope.count(Customer) == 0
    done = await send(good.encode())
    assert done.status_code == 200 and done.json()["imported"] is True
    assert done.json()["created"] == 4
    # Importing again updates the same four customers: filled cells win, tags are added.
    again = await send(b"phone,name,tags\n+923001111111,Ali Raza,Wholesale\n")
    assert again.json()["updated"] == 1 and again.json()["created"] == 0
    assert await scope.count(Customer) == 4
    ali = (
        await client.get("/api/v1/customers", params={"q": "Ali"}, headers=tokens.acme_agent)
    ).json()
    assert ali["items"][0]["name"] == "Ali Raza"
    assert ali["items"][0]["email"] == "ali@example.com"
    assert sorted(t["name"] for t in ali["items"][0]["tags"]) == ["VIP", "Wholesale"]


async def test_the_export_is_a_csv_the_import_reads_back(client, cast, tokens):
    for phone, name, tags in (("+923001234567", "=Ali", ["VIP"]), ("+447911123456", "Zara", [])):
        await client.post(
            "/api/v1/customers",
            json={"phone": phone, "name": name, "address": "1 Mall Rd\nLahore", "tags": tags},
            headers=tokens.acme_agent,
        )
    refused = await client.get("/api/v1/customers/export", headers=tokens.acme_agent)
    assert refused.status_code == 403  # the whole directory's personal data: admins only
    exported = await client.get("/api/v1/customers/export", headers=tokens.acme_owner)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = exported.text.splitlines()
    assert lines[0] == "name,phone,email,address,tags,created"
    assert lines[1].startswith("'=Ali,+923001234567,,\"1 Mall Rd")
    only_vip = await client.get(
        "/api/v1/customers/export", params={"tag": "VIP"}, headers=tokens.acme_owner
    )
    assert "Zara" not in only_vip.text and "+923001234567" in only_vip.text

    back = await client.post(
        "/api/v1/customers/import",
        files={"file": ("customers.csv", exported.content, "text/csv")},
        headers=tokens.globex_owner,
    )
    assert back.json()["created"] == 2
    listed = await client.get("/api/v1/customers", headers=tokens.globex_owner)
    assert {c["name"] for c in listed.json()["items"]} == {"=Ali", "Zara"}


async def test_a_file_that_is_no_customers_csv_is_refused_whole(client, tokens):
    for data, words in (
        (b"name,email\nAli,a@b.co\n", "no column of phone numbers"),
        ("name,phone\nÄli,+923001234567\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
    ):
        answer = await client.post(
            "/api/v1/customers/import",
            files={"file": ("c.csv", data, "text/csv")},
            headers=tokens.acme_agent,
        )
        assert answer.status_code == 422, data
        assert words in answer.json()["message"] and answer.json()["field"] == "file"
