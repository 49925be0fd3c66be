"""Coupons: a percentage or a fixed amount off, until an expiry, with a banner.

A coupon that card payments should honour names the Stripe coupon that mirrors
it (``stripe_coupon_id``): Stripe computes the discount of a checkout itself,
so b2a only passes the id along. Manual payments apply the coupon with
``rules.amount_after_coupon``. Codes are stored in capitals and matched so.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing.rules import CouponKind, CouponTerms, currency_code
from b2a.billing.schemas import Banner, CouponIn, CouponOut
from b2a.billing.tables import Coupon
from b2a.db.integrity import save_unique
from b2a.errors import Conflict, Invalid, NotFound
from b2a.lib import clock
from b2a.tenants.actor import Actor

CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,39}")


def normalise_code(raw: str) -> str:
    """``summer-25`` → ``SUMMER-25``.

    Raises:
        Invalid: not 3 to 40 letters, digits, ``-`` or ``_``.
    """
    code = raw.strip().upper()
    if not CODE.fullmatch(code):
        raise Invalid("a coupon code is 3 to 40 letters, digits, - or _.", field="code")
    return code


def coupon_out(coupon: Coupon) -> CouponOut:
    """The API shape of a coupon row."""
    return CouponOut(
        id=coupon.id,
        code=coupon.code,
        kind=coupon.kind,
        value=coupon.value,
        currency=coupon.currency,
        expires_at=coupon.expires_at,
        stripe_coupon_id=coupon.stripe_coupon_id,
        banner_text=coupon.banner_text,
        is_active=coupon.is_active,
    )


def terms(coupon: Coupon) -> CouponTerms:
    """What the coupon takes off, for ``rules.amount_after_coupon``."""
    return CouponTerms(CouponKind(coupon.kind), coupon.value, coupon.currency)


def _columns(data: CouponIn) -> dict[str, Any]:
    kind = CouponKind(data.kind)
    if kind is CouponKind.PERCENT and not 1 <= data.value <= 100:
        raise Invalid("a percentage coupon takes 1 to 100 percent off.", field="value")
    if kind is CouponKind.FIXED and data.value < 1:
        raise Invalid(
            "a fixed coupon takes a positive amount off, in minor units (cents, paisa).",
            field="value",
        )
    if data.expires_at is not None and data.expires_at.tzinfo is None:
        raise Invalid("give the expiry with its time zone, e.g. 2027-01-31T23:59:00Z.")
    if len(data.banner_text.strip()) > 200:
        raise Invalid("a banner has at most 200 characters.", field="banner_text")
    return {
        "code": normalise_code(data.code),
        "kind": kind,
        "value": data.value,
        "currency": currency_code(data.currency),
        "expires_at": data.expires_at,
        "stripe_coupon_id": data.stripe_coupon_id.strip()[:64],
        "banner_text": data.banner_text.strip(),
    }


async def _save(coupon: Coupon) -> None:
    taken = Conflict(f"the coupon code {coupon.code} is taken.", code="COUPON_EXISTS", field="code")
    await save_unique(coupon, taken)


async def _get(coupon_id: UUID) -> Coupon:
    coupon = await Coupon.objects().where(Coupon.id == coupon_id).first()
    if coupon is None:
        raise NotFound("no such coupon.")
    return coupon


async def create_coupon(actor: Actor, data: CouponIn) -> CouponOut:
    """Add a coupon.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: a field is out of range.
        Conflict: the code is taken.
    """
    actor.require()
    coupon = Coupon(**_columns(data), is_active=True)
    await _save(coupon)
    await audit.record(actor, "billing.coupon.created", code=coupon.code)
    return coupon_out(coupon)


async def update_coupon(actor: Actor, coupon_id: UUID, data: CouponIn) -> CouponOut:
    """Replace a coupon's fields; payments already made keep the amount they were quoted.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such coupon.
        Invalid: a field is out of range.
        Conflict: the new code is taken.
    """
    actor.require()
    coupon = await _get(coupon_id)
    for name, value in _columns(data).items():
        setattr(coupon, name, value)
    await _save(coupon)
    await audit.record(actor, "billing.coupon.updated", code=coupon.code)
    return coupon_out(coupon)


async def set_coupon_active(actor: Actor, coupon_id: UUID, active: bool) -> CouponOut:
    """Switch a coupon (and its banner) on or off.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such coupon.
    """
    actor.require()
    coupon = await _get(coupon_id)
    coupon.is_active = active
    await coupon.save([Coupon.is_active])
    event = "billing.coupon.activated" if active else "billing.coupon.deactivated"
    await audit.record(actor, event, code=coupon.code)
    return coupon_out(coupon)


async def list_coupons(actor: Actor) -> list[CouponOut]:
    """Every coupon, newest first.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    rows = await Coupon.objects().order_by(Coupon.created_at, ascending=False)
    return [coupon_out(c) for c in rows]


def _usable(now: datetime) -> Any:
    return Coupon.is_active.eq(True) & (Coupon.expires_at.is_null() | (Coupon.expires_at > now))


async def usable_coupon(code: str) -> Coupon:
    """The active, unexpired coupon with this code.

    Raises:
        Invalid: no such coupon, or it expired or was switched off (``COUPON_INVALID``).
    """
    cleaned = code.strip().upper()
    coupon = await Coupon.objects().where((Coupon.code == cleaned) & _usable(clock.now())).first()
    if coupon is None:
        raise Invalid(
            f"the coupon {cleaned!r} is unknown or has expired.",
            code="COUPON_INVALID",
            field="coupon_code",
        )
    return coupon


async def banners() -> list[Banner]:
    """The banners of live coupons, soonest-expiring first, for the public pages."""
    rows = await Coupon.objects().where(_usable(clock.now()) & (Coupon.banner_text != ""))
    live = [Banner(c.code, c.banner_text, c.expires_at) for c in rows]
    return sorted(live, key=lambda b: (b.expires_at is None, b.expires_at or clock.now()))
