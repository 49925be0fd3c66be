"""Billing jobs: apply one Stripe event, re-queue lost ones, and the hourly period run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from b2a.billing import periods, stripe_events
from b2a.billing.config import stripe_keys
from b2a.billing.stripe_api import stripe_client
from b2a.lib.crypto import SecretBox
from b2a.settings import Settings


async def process_stripe_event(ctx: dict[str, Any], *, event_id: str) -> dict[str, Any]:
    """Apply one recorded Stripe event (a second run finds it applied and does nothing)."""
    settings: Settings = ctx["settings"]
    keys = await stripe_keys(SecretBox(settings.core.encryption_key))
    client = (
        stripe_client(keys, api_url=settings.billing.stripe_api_url, http=ctx["http"])
        if keys
        else None
    )
    applied = await stripe_events.process_event(
        event_id, stripe_client=client, grace_days=settings.billing.grace_days
    )
    return {"event_id": applied.event_id, "type": applied.type, "outcome": applied.outcome}


async def requeue_stripe_events(ctx: dict[str, Any]) -> dict[str, int]:
    """Queue again the recorded events whose job was lost (Redis was away at the webhook)."""
    waiting = await stripe_events.unprocessed_events(older_than=timedelta(minutes=1))
    for event_id in waiting:
        await stripe_events.queue_processing(event_id)
    return {"requeued": len(waiting)}


async def billing_periods(ctx: dict[str, Any]) -> dict[str, int]:
    """Renewal reminders for manual periods ending soon; ended periods back to the free plan."""
    settings: Settings = ctx["settings"]
    run = await periods.run_periods(reminder_days=settings.billing.reminder_days)
    return {"reminded": run.reminded, "expired": run.expired}
