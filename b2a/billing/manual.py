"""Manual payments (EasyPaisa, JazzCash, bank transfer), for markets without Stripe.

The tenant admin picks a plan and sees what to pay in the local currency (the
plan's local price, after any coupon; ``quote``), pays outside b2a, then
submits who paid, the transaction reference and a screenshot. The amount is
computed here, never taken from the form. A super admin approves it (the
payment buys a period of the plan that really ends: ``periods``) or rejects it
with a note. Decisions are taken once: a conditional update from PENDING.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing import receipts
from b2a.billing.checkout import sellable_plan
from b2a.billing.config import OPERATOR, local_payments, stripe_configured
from b2a.billing.coupons import terms, usable_coupon
from b2a.billing.periods import refuse_while_stripe_pays, start_manual_period
from b2a.billing.plans import apply_plan, get_plan, plan_out
from b2a.billing.rules import METHOD_NAMES, ManualMethod, ReviewStatus, amount_after_coupon
from b2a.billing.schemas import LocalPayments, ManualPaymentOut, PaymentMethodOut, Price, Quote
from b2a.billing.tables import Coupon, ManualPayment, Plan
from b2a.db.transaction import atomic, lock_row
from b2a.errors import Conflict, Invalid, NotFound
from b2a.lib import clock
from b2a.lib.filetypes import Served
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant

_PHONE = re.compile(r"\+?[0-9][0-9 -]{3,38}")


@dataclass(frozen=True)
class ManualPaymentIn:
    """What the tenant admin submits after paying; the amount is not among it."""

    plan_id: str
    method: str
    sender_name: str
    sender_number: str
    reference: str
    screenshot: bytes
    coupon_code: str = ""


async def quote(actor: Actor, plan_id: UUID | str, *, coupon_code: str = "") -> Quote:
    """What a plan costs after a coupon, by card and by manual payment, and where to pay.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: no such plan.
        Invalid: the plan is not for sale, or the coupon is unknown or expired.
    """
    actor.require(Role.TENANT_ADMIN)
    plan = await sellable_plan(plan_id)
    coupon = await usable_coupon(coupon_code) if coupon_code.strip() else None
    return _quote(plan, coupon, await local_payments(), card_on=await stripe_configured())


async def price_list(actor: Actor) -> list[Quote]:
    """Every plan on sale with its card and local prices, or why it cannot be bought each way.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    local, card_on = await local_payments(), await stripe_configured()
    on_sale = Plan.objects().where(Plan.is_active.eq(True) & Plan.is_free.eq(False))
    return [_quote(plan, None, local, card_on=card_on) for plan in await on_sale]


def _quote(plan: Plan, coupon: Coupon | None, local: LocalPayments, *, card_on: bool) -> Quote:
    card, card_note = _card_offer(plan, coupon, card_on=card_on)
    manual, local_note = _local_offer(plan, coupon, local)
    return Quote(
        plan=plan_out(plan),
        coupon_code=coupon.code if coupon else "",
        card=card,
        local=manual,
        methods=[
            PaymentMethodOut(
                m, METHOD_NAMES[ManualMethod(m)], s.account_title, s.account_number, s.instructions
            )
            for m, s in local.offered().items()
        ]
        if manual
        else [],
        card_note=card_note,
        local_note=local_note,
    )


def _card_offer(plan: Plan, coupon: Coupon | None, *, card_on: bool) -> tuple[Price | None, str]:
    """The card price after the coupon, or why there is none and who can change that."""
    if not (plan.price_minor or plan.stripe_price_id):
        return None, f"Not sold by card: this plan has no card price; {OPERATOR} can give it one."
    if not card_on:
        return None, (
            f"Card payments are not set up on this server: ask {OPERATOR} to enter Stripe's "
            "keys in Admin → Billing."
        )
    if coupon is not None and not coupon.stripe_coupon_id:
        return None, f"Coupon {coupon.code} is for manual payments only: remove it to pay by card."
    return _price(plan.price_minor, plan.currency, coupon)


def _local_offer(
    plan: Plan, coupon: Coupon | None, local: LocalPayments
) -> tuple[Price | None, str]:
    """The local price after the coupon, or why there is none and who can change that."""
    if not local.offered():
        return None, (
            f"Manual payments are not set up on this server: ask {OPERATOR} to turn on "
            "EasyPaisa, JazzCash or bank transfer in Admin → Billing."
        )
    if not plan.local_price_minor:
        return None, (
            f"Not sold by manual payment: this plan has no {local.currency} price; "
            f"{OPERATOR} can give it one."
        )
    return _price(plan.local_price_minor, local.currency, coupon)


def _price(amount: int, currency: str, coupon: Coupon | None) -> tuple[Price | None, str]:
    """The amount after the coupon, or None and why when the coupon's currency does not fit."""
    try:
        left = amount_after_coupon(amount, currency, terms(coupon) if coupon else None)
    except Invalid as exc:
        return None, f"Coupon {coupon.code if coupon else ''}: {exc.message}"
    return Price(left, currency), ""


async def submit_manual_payment(
    actor: Actor, data: ManualPaymentIn, *, media_root: Path
) -> ManualPaymentOut:
    """Record a manual payment for review, with its screenshot.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: no such plan.
        Invalid: a field or the screenshot is not acceptable (``field`` names it).
        Conflict: the reference was already submitted, or Stripe already bills the tenant.
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    plan = await sellable_plan(data.plan_id)
    method = await _offered_method(data.method)
    fields = _cleaned_sender(data)
    coupon = await usable_coupon(data.coupon_code) if data.coupon_code.strip() else None
    local = await local_payments()
    if not plan.local_price_minor:
        raise Invalid("this plan is sold by card only.", field="plan_id")
    amount = amount_after_coupon(
        plan.local_price_minor, local.currency, terms(coupon) if coupon else None
    )
    await refuse_while_stripe_pays(scope.tenant_id)
    await _refuse_repeated_reference(actor, method, fields["reference"])
    receipts.check_receipt(data.screenshot)
    payment = scope.new(
        ManualPayment,
        plan=plan.id,
        method=method,
        amount_minor=amount,
        currency=local.currency,
        coupon=coupon.id if coupon else None,
        status=ReviewStatus.PENDING,
        **fields,
    )
    payment.screenshot_path = receipts.store_receipt(
        media_root, scope.tenant_id, payment.id, data.screenshot
    )
    try:
        await payment.save()
    except BaseException:
        receipts.remove_receipt(media_root, scope.tenant_id, payment.screenshot_path)
        raise
    await audit.record(
        actor,
        "billing.manual_payment.submitted",
        payment_id=str(payment.id),
        plan=plan.name,
        method=method.value,
        amount_minor=amount,
        currency=local.currency,
    )
    return (await _outs([payment]))[0]


async def _offered_method(raw: str) -> ManualMethod:
    offered = (await local_payments()).offered()
    method = raw.strip().upper()
    if method not in offered:
        choices = (
            ", ".join(METHOD_NAMES[ManualMethod(m)] for m in offered)
            or f"none yet ({OPERATOR} turns them on)"
        )
        raise Invalid(f"pay with one of the offered methods: {choices}.", field="method")
    return ManualMethod(method)


def _cleaned_sender(data: ManualPaymentIn) -> dict[str, str]:
    name, number, reference = (
        data.sender_name.strip(),
        data.sender_number.strip(),
        data.reference.strip(),
    )
    if not 1 <= len(name) <= 120:
        raise Invalid("give the name of the account that paid.", field="sender_name")
    if not _PHONE.fullmatch(number):
        raise Invalid(
            "give the number or account that paid (digits, spaces, - and a leading +).",
            field="sender_number",
        )
    if not 3 <= len(reference) <= 80:
        raise Invalid(
            "give the transaction reference (TID) from the payment's receipt.", field="reference"
        )
    return {"sender_name": name, "sender_number": number, "reference": reference}


async def _refuse_repeated_reference(actor: Actor, method: ManualMethod, reference: str) -> None:
    repeated = await actor.scope.exists(ManualPayment).where(
        (ManualPayment.method == method)
        & (ManualPayment.reference == reference)
        & (ManualPayment.status != ReviewStatus.REJECTED)
    )
    if repeated:
        raise Conflict(
            f"the payment {reference} was already submitted; its status is on the billing page.",
            code="PAYMENT_EXISTS",
            field="reference",
        )


async def list_manual_payments(
    actor: Actor, *, status: ReviewStatus | None = None
) -> list[ManualPaymentOut]:
    """Manual payments, newest first: the tenant's own, or every tenant's for a super admin.

    Raises:
        Forbidden: the actor is neither a tenant admin nor a super admin.
    """
    actor.require(Role.TENANT_ADMIN)
    query = _visible(actor).order_by(ManualPayment.created_at, ascending=False)
    if status is not None:
        query = query.where(ManualPayment.status == status)
    return await _outs(list(await query))


async def get_manual_payment(actor: Actor, payment_id: UUID) -> ManualPaymentOut:
    """One manual payment and its review.

    Raises:
        Forbidden: the actor is neither a tenant admin nor a super admin.
        NotFound: no such payment for this actor (another tenant's is not found either).
    """
    actor.require(Role.TENANT_ADMIN)
    return (await _outs([await _payment(actor, payment_id)]))[0]


async def receipt_file(actor: Actor, payment_id: UUID, *, media_root: Path) -> Served:
    """The screenshot of a payment and how it is served, for its tenant's admins and super admins.

    Raises:
        Forbidden: the actor is neither a tenant admin nor a super admin.
        NotFound: no such payment for this actor, or it has no file.
    """
    actor.require(Role.TENANT_ADMIN)
    payment = await _payment(actor, payment_id)
    return receipts.receipt_path(media_root, payment.tenant, payment.screenshot_path)


async def approve_manual_payment(
    actor: Actor, payment_id: UUID, *, note: str = ""
) -> ManualPaymentOut:
    """Accept a payment: the tenant gets its plan for a period that ends.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such payment.
        Conflict: it was already reviewed, or Stripe bills the tenant meanwhile.
    """
    actor.require()
    payment = await _payment(actor, payment_id)
    plan = await get_plan(payment.plan)
    async with atomic():
        await lock_row(Tenant, payment.tenant)
        await refuse_while_stripe_pays(payment.tenant)
        await _decide(actor, payment, ReviewStatus.APPROVED, note)
        period = await start_manual_period(payment.tenant, plan, coupon=payment.coupon)
        await ManualPayment.update({ManualPayment.subscription: period.id}).where(
            ManualPayment.id == payment.id
        )
        await apply_plan(payment.tenant, plan)
        await audit.record(
            actor,
            "billing.manual_payment.approved",
            tenant_id=payment.tenant,
            payment_id=str(payment.id),
            plan=plan.name,
            period_end=period.current_period_end.isoformat() if period.current_period_end else "",
        )
    return await get_manual_payment(actor, payment.id)


async def reject_manual_payment(actor: Actor, payment_id: UUID, *, note: str) -> ManualPaymentOut:
    """Turn a payment down; the note tells the tenant why.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such payment.
        Invalid: no note.
        Conflict: it was already reviewed.
    """
    actor.require()
    if not note.strip():
        raise Invalid("say why the payment is rejected; the tenant reads the note.", field="note")
    payment = await _payment(actor, payment_id)
    await _decide(actor, payment, ReviewStatus.REJECTED, note)
    await audit.record(
        actor,
        "billing.manual_payment.rejected",
        tenant_id=payment.tenant,
        payment_id=str(payment.id),
        note=note.strip()[:500],
    )
    return await get_manual_payment(actor, payment.id)


async def _decide(actor: Actor, payment: ManualPayment, status: ReviewStatus, note: str) -> None:
    decided = (
        await ManualPayment.update(
            {
                ManualPayment.status: status,
                ManualPayment.reviewer: actor.user_id,
                ManualPayment.review_note: note.strip()[:2000],
                ManualPayment.reviewed_at: clock.now(),
            }
        )
        .where((ManualPayment.id == payment.id) & (ManualPayment.status == ReviewStatus.PENDING))
        .returning(ManualPayment.id)
    )
    if not decided:
        raise Conflict("this payment was already reviewed.", code="ALREADY_REVIEWED")


def _visible(actor: Actor) -> Any:
    """Every payment for a super admin outside a tenant; otherwise the actor's tenant's."""
    if actor.is_super_admin and actor.tenant_id is None:
        return ManualPayment.objects()
    return actor.scope.objects(ManualPayment)


async def _payment(actor: Actor, payment_id: UUID) -> ManualPayment:
    payment = await _visible(actor).where(ManualPayment.id == payment_id).first()
    if payment is None:
        raise NotFound("no such payment.")
    return payment


async def _names(column: Any, ids: set[Any]) -> dict[Any, str]:
    """``{id: column value}`` for the rows of ``column``'s table with these ids."""
    if not ids:
        return {}
    table = column._meta.table
    rows = await table.select(table.id, column).where(table.id.is_in(list(ids)))
    return {row["id"]: str(row[column._meta.name]) for row in rows}


async def _outs(payments: list[ManualPayment]) -> list[ManualPaymentOut]:
    """API shapes, with plan names and coupon codes read in one query each."""
    plans = await _names(Plan.name, {p.plan for p in payments})
    coupons = await _names(Coupon.code, {p.coupon for p in payments if p.coupon})
    return [
        ManualPaymentOut(
            id=p.id,
            tenant_id=p.tenant,
            plan_id=p.plan,
            plan_name=plans.get(p.plan, ""),
            method=p.method,
            sender_name=p.sender_name,
            sender_number=p.sender_number,
            reference=p.reference,
            amount_minor=p.amount_minor,
            currency=p.currency,
            coupon_code=coupons.get(p.coupon, ""),
            status=p.status,
            review_note=p.review_note,
            reviewed_at=p.reviewed_at,
            has_screenshot=bool(p.screenshot_path),
            subscription_id=p.subscription,
            created_at=p.created_at,
        )
        for p in payments
    ]
