"""A cart from the business's WhatsApp catalogue, accepted from the Cloud API, reaches the team.

The message goes the way the webhook sends it (accepted as an event, then the
``process_inbound`` job on a real worker); the team reads the request through
the API and is told of it on the live events channel.
"""

import json
from uuid import uuid4

from saq import Status

from b2a.catalog.tables import Service
from b2a.inbox import service as inbox
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import Transport
from b2a.lib import clock
from b2a.lib import queue as job_queue
from b2a.lib.crypto import SecretBox
from b2a.lib.events import last_id, read_after
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.fakes.graph_api import TOKEN
from tests.pipeline import eventually, running_worker

CART = {
    "catalog_id": "CAT1",
    "note": "for Friday",
    "items": [
        {"product_id": "HC-1", "quantity": 2, "price": 12.0, "currency": "USD"},
        {"product_id": "GIFT-9", "quantity": 1, "price": 5.0, "currency": "USD"},
    ],
}


def _cart_message(wamid):
    return InboundMessage(
        wamid, [Identity("wa_id", "923001234567"), Identity("phone", "923001234567")],
        "923001234567", "Ayesha", "order", "🛒 2 items", clock.now(), data=CART,
    )  # fmt: skip


async def _process(worker, scope, event_id):
    key = f"process_inbound:{event_id}"
    await job_queue.enqueue(
        "process_inbound", key=key, tenant_id=str(scope.tenant_id), event_id=str(event_id)
    )

    async def done():
        job = await worker.queue.job(key)
        return job if job and job.status in (Status.COMPLETE, Status.FAILED) else None

    job = await eventually(done)
    assert job.status == Status.COMPLETE, job.error


async def test_a_cloud_cart_becomes_one_flagged_order_request_the_team_sees(
    client, cast, tokens, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await scope.new(Service, name="Haircut", price_minor=1000, currency="USD", sku="HC-1").save()
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="vt")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    since = await last_id(redis, str(scope.tenant_id))
    event_id = await inbox.accept_inbound(
        scope, channel.id, Transport.CLOUD, _cart_message(f"wamid.{uuid4().hex}")
    )

    async with running_worker(settings) as worker:
        await _process(worker, scope, event_id)
        await _process(worker, scope, event_id)

    listed = (await client.get("/api/v1/orders", headers=tokens.acme_agent)).json()["items"]
    assert len(listed) == 1 and listed[0]["flagged"] is True
    order = (
        await client.get(f"/api/v1/orders/{listed[0]['id']}", headers=tokens.acme_agent)
    ).json()
    assert (order["total"], order["status"], order["details"]["note"]) == (
        "USD 20",
        "DRAFT",
        "for Friday",
    )
    assert [(i["name"], i["quantity"], i["unit_price_minor"]) for i in order["items"]] == [
        ("Haircut", 2, 1000)
    ]
    assert order["flags"] == [
        "The cart said 12.00 USD for Haircut, the catalogue price is 10.00 USD; "
        "the order uses the catalogue price.",
        "Item GIFT-9 is not in your catalogue; it is not on the order.",
    ]
    got = await read_after(redis, str(scope.tenant_id), since, block_ms=1)
    told = [json.loads(e.data) for e in got]
    assert {"type": "order.updated", "order_id": order["id"]} in told
