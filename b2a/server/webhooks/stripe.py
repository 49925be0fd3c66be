"""Stripe's webhook: ``POST /webhooks/stripe``.

The signature is checked on the raw body with the signing secret the super
admin stored (``billing.stripe``) before anything is parsed. The event is then
recorded under its id, so a redelivery adds nothing, and its processing is
queued; Stripe gets its 200 as soon as the event is safely stored.

Stripe retries anything but a 2xx for days, so a correctly signed body that is
not a Stripe event (not JSON, not an object, no ``evt_`` id, …) is answered 200
with ``ignored`` and logged: it could never become one. Only a missing or wrong
signature is refused (401).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import State

from b2a.billing.config import stripe_keys
from b2a.billing.stripe_events import queue_processing, record_event, verify_event
from b2a.errors import Unauthorized
from b2a.lib import metrics
from b2a.lib.crypto import SecretBox


@post("/webhooks/stripe", status_code=200, tags=["webhooks"])
async def receive_stripe_webhook(request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    """Verify, record once, queue the processing; 401 for a bad or stale signature."""
    body = await request.body()
    keys = await stripe_keys(SecretBox(state.settings.core.encryption_key))
    secret = keys.webhook_secret if keys else ""
    try:
        event = verify_event(body, request.headers.get("stripe-signature"), secret)
    except Unauthorized:
        metrics.webhook_refused("stripe", "bad_signature")
        raise
    metrics.get().webhooks_received.labels("stripe").inc()
    if event is None:
        return {"received": True, "duplicate": False, "ignored": True}
    recorded = await record_event(event)
    if recorded.pending:
        # A redelivery of an event still waiting queues it again (the key drops repeats).
        await queue_processing(recorded.event_id)
    return {"received": True, "duplicate": recorded.duplicate, "ignored": False}
