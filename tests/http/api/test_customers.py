"""GDPR over HTTP: the tenant admin downloads a customer's archive, then erases them."""

import io
import json
import zipfile

from b2a.inbox.tables import Customer
from b2a.tenants.scope import TenantScope
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
