"""Stripe's webhook events: verified, recorded once, applied once, never backwards.

1. ``verify_event``: the route checks ``Stripe-Signature`` on the raw body (HMAC
   with the endpoint's signing secret, timestamp at most 5 minutes old) before
   anything is parsed.
2. ``record_event`` inserts the event under its id (unique), so a redelivery,
   concurrent or not, finds it there and adds nothing. The route then queues
   ``process_stripe_event``; a minute sweep re-queues events left unprocessed.
3. ``process_event`` first fetches what the event does not carry (the
   subscription behind a completed checkout or an invoice), then, in one
   transaction, claims the event (``processed_at``, one conditional UPDATE) and
   applies it. A second or concurrent run finds it claimed and does nothing; a
   failure rolls back the claim with the effect, so the job's retry starts over.
4. Applying syncs one subscription: the tenant's row is locked so one tenant's
   events take turns; an event older than the newest applied one, or about a
   canceled subscription, is ignored (Stripe delivers out of order); status,
   period (from the subscription items, where current API versions keep it),
   trial and grace are written; entering a paid state applies the plan, leaving
   one for CANCELED restores the free plan.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing.periods import end_manual_periods, fall_back_to_free
from b2a.billing.plans import apply_plan, get_plan
from b2a.billing.rules import (
    LIVE,
    PaymentProvider,
    SubscriptionStatus,
    grace_end,
    is_stale,
    stripe_event_type,
    stripe_id,
    stripe_status,
)
from b2a.billing.stripe_api import as_dict, calling_stripe
from b2a.billing.tables import Plan, StripeCustomer, StripeEvent, Subscription
from b2a.db.integrity import is_unique_violation
from b2a.db.transaction import atomic, lock_row
from b2a.errors import Invalid, NotFound, Unauthorized, Unavailable
from b2a.lib import clock, queue
from b2a.lib.jsonbody import read_json
from b2a.lib.text import readable
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

if TYPE_CHECKING:
    import stripe

log = logging.getLogger("b2a.billing")
TOLERANCE_SECONDS = 300
STRIPE_ACTOR = Actor.operator("stripe")
SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    }
)
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})
CHECKOUT_COMPLETED = "checkout.session.completed"
WEBHOOK_EVENTS = (CHECKOUT_COMPLETED, *sorted(SUBSCRIPTION_EVENTS), *sorted(INVOICE_EVENTS))
"""The events to select on the webhook endpoint in Stripe: every one this module applies."""
PROCESS_TASK = "process_stripe_event"
MAX_DEPTH = 32
"""Stripe's events nest about eight levels; anything much deeper is not one."""


@dataclass(frozen=True)
class Recorded:
    """An event as stored: whether it was new, and whether it still waits to be applied."""

    event_id: str
    duplicate: bool
    pending: bool


@dataclass(frozen=True)
class Applied:
    """What processing an event did, in a word or two for the job log."""

    event_id: str
    type: str
    outcome: str
    tenant_id: UUID | None = None


def verify_event(body: bytes, signature: str | None, secret: str) -> dict[str, Any] | None:
    """The event in ``body`` once its signature proves Stripe sent it, recently.

    A signed body that is not a Stripe event (not JSON, nested deeper than
    ``MAX_DEPTH``, no ``evt_`` id of at most 255 characters, no type, creation
    time or object) is None, and logged: Stripe retries anything but a 2xx for
    days, and such a body will never become an event. What is returned is
    storable as it is (``b2a.lib.text.readable``).

    Raises:
        Unauthorized: no signing secret, or a signature that is missing, wrong or too old.
    """
    if not secret:
        raise Unauthorized("no Stripe webhook signing secret is configured on this appliance.")
    import stripe  # only here: the library is imported at the first Stripe call (stripe_api)

    try:
        stripe.WebhookSignature.verify_header(
            body.decode("utf-8", "replace"), signature or "", secret, TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        raise Unauthorized(
            "the Stripe-Signature does not match this endpoint's signing secret, or is older "
            "than 5 minutes."
        ) from None
    try:
        event = read_json(body, max_depth=MAX_DEPTH)
    except ValueError as exc:
        log.warning("a signed Stripe webhook body was ignored: %s", exc)
        return None
    problem = _not_an_event(event)
    if problem:
        log.warning("a signed Stripe webhook body was ignored: %s", problem)
        return None
    stored: dict[str, Any] = readable(event)
    return stored


def _not_an_event(event: Any) -> str:
    """Why a parsed body is not a Stripe event, or "" when it is one."""
    if not isinstance(event, dict):
        return "the body is not a JSON object."
    if not stripe_id(event.get("id"), "evt"):
        return "the event has no evt_ id of at most 255 characters."
    if not stripe_event_type(event.get("type")):
        return "the event has no type."
    if _timestamp(event.get("created")) is None:
        return "the event has no creation time."
    if not isinstance(_obj(event.get("data")).get("object"), dict):
        return "the event carries no object."
    return ""


async def record_event(event: dict[str, Any]) -> Recorded:
    """Store a verified event once by its id; a repeat is recognised, not stored again."""
    row = StripeEvent(event_id=event["id"], type=event["type"], payload=event)
    try:
        await row.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        stored = await StripeEvent.select(StripeEvent.processed_at).where(
            StripeEvent.event_id == event["id"]
        )
        return Recorded(event["id"], True, bool(stored) and stored[0]["processed_at"] is None)
    return Recorded(event["id"], False, True)


async def queue_processing(event_id: str) -> None:
    """Queue the job that applies a recorded event; one queued job per event."""
    await queue.enqueue(PROCESS_TASK, key=f"{PROCESS_TASK}:{event_id}", event_id=event_id)


async def unprocessed_events(*, older_than: timedelta, limit: int = 500) -> list[str]:
    """Ids of recorded events still waiting after ``older_than`` (their job was lost)."""
    rows = (
        await StripeEvent.select(StripeEvent.event_id)
        .where(
            StripeEvent.processed_at.is_null() & (StripeEvent.created_at < clock.now() - older_than)
        )
        .order_by(StripeEvent.created_at)
        .limit(limit)
    )
    return [str(row["event_id"]) for row in rows]


async def process_event(
    event_id: str, *, stripe_client: stripe.StripeClient | None, grace_days: int
) -> Applied:
    """Apply one recorded event exactly once (see the module docstring).

    Raises:
        NotFound: no event with this id was recorded.
        Unavailable: the event needs a subscription from Stripe, which cannot be asked
            now (no keys yet, or unreachable); the job retries.
    """
    row = await StripeEvent.objects().where(StripeEvent.event_id == event_id).first()
    if row is None:
        raise NotFound(f"no Stripe event {event_id} was recorded.")
    event = _payload(row.payload)
    if row.processed_at is not None:
        return Applied(event_id, row.type, "already processed")
    fetched = await _fetch_subscription(event, stripe_client)
    async with atomic():
        claimed = (
            await StripeEvent.update({StripeEvent.processed_at: clock.now()})
            .where((StripeEvent.id == row.id) & StripeEvent.processed_at.is_null())
            .returning(StripeEvent.id)
        )
        if not claimed:
            return Applied(event_id, row.type, "already processed")
        applied = await _apply(event, fetched, grace_days)
        if applied.tenant_id is not None:
            await StripeEvent.update({StripeEvent.tenant: applied.tenant_id}).where(
                StripeEvent.id == row.id
            )
    log.info("stripe event %s (%s): %s", event_id, row.type, applied.outcome)
    return applied


def _payload(raw: Any) -> dict[str, Any]:
    return dict(json.loads(raw) if isinstance(raw, str) else raw)


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: Stripe's shapes are not trusted."""
    return value if isinstance(value, dict) else {}


def _subscription_id(event: dict[str, Any]) -> str:
    """The subscription a checkout or invoice event is about ("" for none)."""
    obj = event["data"]["object"]
    if event["type"] == CHECKOUT_COMPLETED:
        wanted = obj.get("mode") == "subscription"
        return stripe_id(obj.get("subscription"), "sub") if wanted else ""
    if event["type"] in INVOICE_EVENTS:
        parent = _obj(_obj(obj.get("parent")).get("subscription_details"))
        # Before 2025-03-31.basil the invoice named its subscription at the top level.
        return stripe_id(parent.get("subscription") or obj.get("subscription"), "sub")
    return ""


async def _fetch_subscription(
    event: dict[str, Any], stripe_client: stripe.StripeClient | None
) -> dict[str, Any] | None:
    subscription_id = _subscription_id(event)
    if not subscription_id:
        return None
    if stripe_client is None:
        raise Unavailable(
            f"event {event['id']} needs subscription {subscription_id} from Stripe, and no "
            "Stripe secret key is configured yet.",
            code="STRIPE_NOT_CONFIGURED",
        )
    try:
        async with calling_stripe(f"reading subscription {subscription_id}"):
            found = await stripe_client.v1.subscriptions.retrieve_async(subscription_id)
    except Invalid as refused:
        # Stripe knows no such subscription (another account's, or deleted): nothing to sync.
        log.warning("stripe event %s: %s", event["id"], refused.message)
        return None
    return as_dict(found)


async def _apply(event: dict[str, Any], fetched: dict[str, Any] | None, grace_days: int) -> Applied:
    kind, obj = event["type"], event["data"]["object"]
    as_of = _timestamp(event["created"]) or clock.now()
    if kind == CHECKOUT_COMPLETED:
        await _link_customer(obj)
    if kind in SUBSCRIPTION_EVENTS:
        fetched = obj
    if fetched is not None:
        outcome, tenant_id = await _sync(fetched, as_of, grace_days)
        return Applied(event["id"], kind, outcome, tenant_id)
    if kind in INVOICE_EVENTS:
        tenant_id = await _tenant_of(
            stripe_id(obj.get("customer"), "cus"), _obj(obj.get("metadata"))
        )
        return Applied(event["id"], kind, "recorded", tenant_id)
    return Applied(event["id"], kind, "ignored")


async def _link_customer(session: dict[str, Any]) -> None:
    """Remember the customer a checkout paid with, if checkout made a new one."""
    customer = stripe_id(session.get("customer"), "cus")
    reference = session.get("client_reference_id")
    if not customer or await StripeCustomer.exists().where(StripeCustomer.customer_id == customer):
        return
    tenant_id = await _tenant_of("", {"tenant_id": reference})
    if tenant_id is None:
        return
    if not await StripeCustomer.exists().where(StripeCustomer.tenant == tenant_id):
        await StripeCustomer.insert(StripeCustomer(tenant=tenant_id, customer_id=customer))


async def _tenant_of(customer_id: str, metadata: dict[str, Any]) -> UUID | None:
    """The tenant paying: by its Stripe customer, else by the tenant id b2a put in metadata."""
    if customer_id:
        row = (
            await StripeCustomer.select(StripeCustomer.tenant)
            .where(StripeCustomer.customer_id == customer_id)
            .first()
        )
        if row is not None:
            return UUID(str(row["tenant"]))
    try:
        tenant_id = UUID(str(metadata.get("tenant_id")))
    except ValueError:
        return None
    return tenant_id if await Tenant.exists().where(Tenant.id == tenant_id) else None


async def _plan_of(subscription: dict[str, Any], stored: Subscription | None) -> Plan | None:
    """The plan sold: by the items' Stripe price, else the plan id b2a put in metadata."""
    prices = [stripe_id(item.get("price"), "price") for item in _items(subscription)]
    prices = [p for p in prices if p]
    if prices:
        plan = await Plan.objects().where(Plan.stripe_price_id.is_in(prices)).first()
        if plan is not None:
            return plan
    for candidate in (_obj(subscription.get("metadata")).get("plan_id"), stored and stored.plan):
        if candidate:
            try:
                return await get_plan(str(candidate))
            except NotFound:
                continue
    return None


def _items(subscription: dict[str, Any]) -> list[dict[str, Any]]:
    data = _obj(subscription.get("items")).get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


EARLIEST = datetime(2009, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _timestamp(value: Any) -> datetime | None:
    """A Unix time Stripe sent; None for none, or for anything that is not a plausible one."""
    if isinstance(value, bool) or not isinstance(value, int) or not value:
        return None
    try:
        at = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return at if EARLIEST <= at <= LATEST else None


def _period(subscription: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The billing period: on the items since 2025-03-31.basil, on the subscription before."""
    items = _items(subscription)
    starts = [t for i in items if (t := _timestamp(i.get("current_period_start")))]
    ends = [t for i in items if (t := _timestamp(i.get("current_period_end")))]
    start = min(starts) if starts else _timestamp(subscription.get("current_period_start"))
    end = max(ends) if ends else _timestamp(subscription.get("current_period_end"))
    return start, end


async def _sync(
    subscription: dict[str, Any], as_of: datetime, grace_days: int
) -> tuple[str, UUID | None]:
    """Bring our copy of one Stripe subscription up to ``subscription`` (see step 4)."""
    customer = stripe_id(subscription.get("customer"), "cus")
    subscription_id = stripe_id(subscription, "sub")
    if not subscription_id:
        return "ignored: no subscription id", None
    tenant_id = await _tenant_of(customer, _obj(subscription.get("metadata")))
    if tenant_id is None:
        return "ignored: no tenant for this customer", None
    await lock_row(Tenant, tenant_id)
    scope = TenantScope(tenant_id)
    stored = (
        await scope.objects(Subscription)
        .where(Subscription.stripe_subscription_id == subscription_id)
        .first()
    )
    previous = SubscriptionStatus(stored.status) if stored else None
    if stored and previous and is_stale(previous, stored.stripe_event_at, as_of):
        return "ignored: older than what was applied", tenant_id
    plan = await _plan_of(subscription, stored)
    if plan is None:
        return "ignored: no plan sells this price", tenant_id
    status = stripe_status(str(subscription.get("status", "")))
    start, end = _period(subscription)
    values: dict[Any, Any] = {
        Subscription.plan: plan.id,
        Subscription.status: status,
        Subscription.current_period_start: start,
        Subscription.current_period_end: end,
        Subscription.trial_end: _timestamp(subscription.get("trial_end")),
        Subscription.cancel_at_period_end: bool(subscription.get("cancel_at_period_end")),
        Subscription.grace_until: grace_end(
            status, stored.grace_until if stored else None, clock.now(), grace_days
        ),
        Subscription.stripe_customer_id: customer,
        Subscription.stripe_event_at: as_of,
    }
    if stored is None:
        row = scope.new(
            Subscription,
            provider=PaymentProvider.STRIPE,
            stripe_subscription_id=subscription_id,
            **{column._meta.name: value for column, value in values.items()},
        )
        await row.save()
    else:
        await scope.update(Subscription, values).where(Subscription.id == stored.id)
    await _entitle(tenant_id, plan, status, previous, stored.plan if stored else None)
    if status != previous:
        await audit.record(
            STRIPE_ACTOR,
            f"billing.subscription.{status.lower()}",
            tenant_id=tenant_id,
            stripe_subscription_id=subscription_id,
            plan=plan.name,
        )
    return status.value, tenant_id


async def _entitle(
    tenant_id: UUID,
    plan: Plan,
    status: SubscriptionStatus,
    previous: SubscriptionStatus | None,
    previous_plan: Any,
) -> None:
    """Apply the plan on entering a paid state (or changing plan); the free plan on the end."""
    if status in LIVE and (previous not in LIVE or previous_plan != plan.id):
        await end_manual_periods(tenant_id)
        await apply_plan(tenant_id, plan)
    elif status is SubscriptionStatus.CANCELED and previous in LIVE:
        await fall_back_to_free(tenant_id)
