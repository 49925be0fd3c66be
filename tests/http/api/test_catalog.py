"""``/api/v1/services`` and ``/api/v1/faq``: tenant admins write, staff read."""


async def test_tenant_admins_keep_the_catalogue_and_staff_read_it(client, tokens):
    owner, agent = tokens.acme_owner, tokens.acme_agent
    rupees = {"name": "Haircut", "price": "1500", "currency": "PKR"}
    refused = await client.post("/api/v1/services", json=rupees, headers=owner)
    assert refused.status_code == 422 and refused.json()["field"] == "currency"
    assert "business's currency, USD" in refused.json()["message"]
    switched = await client.post(
        "/api/v1/settings/currency", json={"currency": "PKR", "prices": {}}, headers=owner
    )
    assert switched.status_code == 200, switched.text
    made = await client.post(
        "/api/v1/services",
        json={"name": "Haircut", "price": "1500", "currency": "PKR", "synonyms": ["cut"]},
        headers=owner,
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["price"], body["price_minor"], body["price_display"]) == (
        "1500.00",
        150000,
        "PKR 1,500",
    )
    url = f"/api/v1/services/{body['id']}"

    staff_try = await client.post(
        "/api/v1/services", json={"name": "Facial", "price": "1"}, headers=agent
    )
    assert staff_try.status_code == 403
    assert (await client.patch(url, json={"price": "1"}, headers=agent)).status_code == 403
    assert (await client.get(url, headers=agent)).json()["price_minor"] == 150000

    changed = await client.patch(url, json={"price": "1800", "is_active": False}, headers=owner)
    assert changed.status_code == 200
    assert (changed.json()["price_display"], changed.json()["is_active"]) == ("PKR 1,800", False)
    active = await client.get("/api/v1/services", params={"active": "true"}, headers=agent)
    assert active.json() == []
    assert len((await client.get("/api/v1/services", headers=agent)).json()) == 1


async def test_validation_errors_name_the_field(client, tokens):
    owner = tokens.acme_owner
    for body, field in (
        ({"name": "Cut", "price": "1,500"}, "price"),
        ({"name": "Cut", "price": "10", "currency": "RS"}, "currency"),
        ({"name": "", "price": "10"}, "name"),
        ({"name": "Cut"}, "price"),
    ):
        response = await client.post("/api/v1/services", json=body, headers=owner)
        assert response.status_code == 422, body
        assert response.json()["field"] == field, response.json()
    await client.post("/api/v1/services", json={"name": "Cut", "price": "10"}, headers=owner)
    taken = await client.post("/api/v1/services", json={"name": "cut", "price": "9"}, headers=owner)
    assert taken.status_code == 409 and taken.json()["code"] == "SERVICE_EXISTS"


async def test_services_and_faq_are_reordered(client, tokens):
    owner = tokens.acme_owner
    ids = [
        (
            await client.post("/api/v1/services", json={"name": n, "price": "1"}, headers=owner)
        ).json()["id"]
        for n in ("A", "B", "C")
    ]
    listed = await client.post("/api/v1/services/reorder", json={"ids": ids[::-1]}, headers=owner)
    assert [s["name"] for s in listed.json()] == ["C", "B", "A"]
    staff = await client.post(
        "/api/v1/services/reorder", json={"ids": ids}, headers=tokens.acme_agent
    )
    assert staff.status_code == 403

    faq = [
        (
            await client.post("/api/v1/faq", json={"question": q, "answer": "Yes."}, headers=owner)
        ).json()["id"]
        for q in ("Deliver?", "Parking?")
    ]
    listed = await client.post("/api/v1/faq/reorder", json={"ids": [faq[1]]}, headers=owner)
    assert [e["question"] for e in listed.json()] == ["Parking?", "Deliver?"]
    off = await client.patch(f"/api/v1/faq/{faq[0]}", json={"is_active": False}, headers=owner)
    assert off.json()["is_active"] is False
    agent_view = await client.get(
        "/api/v1/faq", params={"active": "true"}, headers=tokens.acme_agent
    )
    assert [e["question"] for e in agent_view.json()] == ["Parking?"]


async def test_another_tenants_ids_cannot_be_reordered(client, tokens):
    made = await client.post(
        "/api/v1/services", json={"name": "A", "price": "1"}, headers=tokens.acme_owner
    )
    response = await client.post(
        "/api/v1/services/reorder", json={"ids": [made.json()["id"]]}, headers=tokens.globex_owner
    )
    assert response.status_code == 404


async def test_a_service_carries_its_whatsapp_content_id_once_per_business(client, tokens):
    owner = tokens.acme_owner
    made = await client.post(
        "/api/v1/services", json={"name": "Cut", "price": "10", "sku": " HC-1 "}, headers=owner
    )
    assert made.status_code == 201 and made.json()["sku"] == "HC-1"
    url = f"/api/v1/services/{made.json()['id']}"
    plain = await client.post(
        "/api/v1/services", json={"name": "Trim", "price": "5"}, headers=owner
    )
    assert plain.json()["sku"] == ""
    other = f"/api/v1/services/{plain.json()['id']}"

    taken = await client.patch(other, json={"sku": "HC-1"}, headers=owner)
    assert taken.status_code == 409 and taken.json()["code"] == "SKU_EXISTS"
    assert taken.json()["field"] == "sku" and "'Cut' already has" in taken.json()["message"]
    again = await client.post(
        "/api/v1/services", json={"name": "Wash", "price": "3", "sku": "HC-1"}, headers=owner
    )
    assert again.status_code == 409 and again.json()["code"] == "SKU_EXISTS"
    too_long = await client.patch(other, json={"sku": "x" * 101}, headers=owner)
    assert too_long.status_code == 422 and too_long.json()["field"] == "sku"

    assert (await client.patch(url, json={"sku": ""}, headers=owner)).json()["sku"] == ""
    moved = await client.patch(other, json={"sku": "HC-1"}, headers=owner)
    assert moved.status_code == 200 and moved.json()["sku"] == "HC-1"
    kept = await client.patch(other, json={"price": "6"}, headers=owner)
    assert kept.json()["sku"] == "HC-1"
    elsewhere = await client.post(
        "/api/v1/services",
        json={"name": "Cut", "price": "10", "sku": "HC-1"},
        headers=tokens.globex_owner,
    )
    assert elsewhere.status_code == 201


async def test_a_duration_is_whole_minutes_from_1_to_1440_or_a_clear_422(client, tokens):
    owner = tokens.acme_owner
    made = await client.post(
        "/api/v1/services",
        json={"name": "Facial", "price": "30", "duration_minutes": 90},
        headers=owner,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["duration_minutes"], made.json()["duration_display"]) == (90, "1 h 30 min")
    url = f"/api/v1/services/{made.json()['id']}"
    zero = await client.post(
        "/api/v1/services",
        json={"name": "Wax", "price": "1", "duration_minutes": 0},
        headers=owner,
    )
    too_long = await client.patch(url, json={"duration_minutes": 1441}, headers=owner)
    negative = await client.patch(url, json={"duration_minutes": -1}, headers=owner)
    for refused in (zero, too_long, negative):
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "duration_minutes"
        assert "1 to 1440" in refused.json()["message"]
    for not_whole in (45.5, "forty-five", [45]):
        refused = await client.patch(url, json={"duration_minutes": not_whole}, headers=owner)
        assert refused.status_code == 422, (not_whole, refused.text)
        assert refused.json()["field"] == "duration_minutes"
    cleared = await client.patch(url, json={"duration_minutes": 0}, headers=owner)
    assert (cleared.json()["duration_minutes"], cleared.json()["duration_display"]) == (None, "")


IMPORT = (
    "name,price,description,duration_minutes,synonyms,sku\n"
    "Haircut,15,Wash and cut,45,hair cut|trim,\n"
    "Facial,30,,60,,\n"
)


async def test_services_are_imported_from_csv_and_exported_back(client, tokens):
    owner, agent = tokens.acme_owner, tokens.acme_agent
    as_text = await client.post(
        "/api/v1/services/import",
        content=IMPORT.encode(),
        headers={**owner, "Content-Type": "text/csv"},
    )
    assert as_text.status_code == 200, as_text.text
    assert (as_text.json()["added"], as_text.json()["updated"]) == (2, 0)

    exported = await client.get("/api/v1/services/export", headers=agent)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert "Haircut,15.00,Wash and cut,45,hair cut|trim," in exported.text

    edited = exported.text.replace("Haircut,15.00", "Haircut,18.00")
    as_file = await client.post(
        "/api/v1/services/import",
        files={"file": ("services.csv", edited.encode(), "text/csv")},
        headers=owner,
    )
    assert as_file.status_code == 200, as_file.text
    assert (as_file.json()["added"], as_file.json()["updated"]) == (0, 2)
    prices = {s["name"]: s["price_display"] for s in as_file.json()["services"]}
    assert prices == {"Haircut": "USD 18", "Facial": "USD 30"}

    refused = await client.post(
        "/api/v1/services/import", content=b"name,price\nCut,x\n", headers=owner
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "file"
    assert "row 2, price:" in refused.json()["message"]
    staff = await client.post("/api/v1/services/import", content=IMPORT.encode(), headers=agent)
    assert staff.status_code == 403
    assert len((await client.get("/api/v1/services", headers=agent)).json()) == 2


async def test_an_faq_entry_keeps_the_other_ways_customers_ask_it(client, tokens):
    owner = tokens.acme_owner
    made = await client.post(
        "/api/v1/faq",
        json={
            "question": "Where are you?",
            "answer": "Shop 12, Main Boulevard, Gulberg, Lahore.",
            "synonyms": [" shop ka address? ", "Shop ka address?", "where is the branch"],
        },
        headers=owner,
    )
    assert made.status_code == 201, made.text
    assert made.json()["synonyms"] == ["shop ka address?", "where is the branch"]
    url = f"/api/v1/faq/{made.json()['id']}"
    changed = await client.patch(url, json={"synonyms": ["pin location"]}, headers=owner)
    assert changed.json()["synonyms"] == ["pin location"]
    kept = await client.patch(url, json={"answer": "Shop 14."}, headers=owner)
    assert kept.json()["synonyms"] == ["pin location"]
    assert (await client.get(url, headers=tokens.acme_agent)).json()["synonyms"] == ["pin location"]
    too_long = await client.patch(url, json={"synonyms": ["x" * 201]}, headers=owner)
    assert too_long.status_code == 422 and too_long.json()["field"] == "synonyms"
    staff = await client.patch(url, json={"synonyms": []}, headers=tokens.acme_agent)
    assert staff.status_code == 403
    outsider = await client.patch(url, json={"synonyms": []}, headers=tokens.globex_owner)
    assert outsider.status_code == 404
