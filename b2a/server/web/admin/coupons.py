"""Coupons and their banners: a percentage or a fixed amount off, an expiry, Stripe's twin.

A fixed amount is typed as a decimal in the coupon's currency; the expiry is a
date, and the coupon works until the end of that day (UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from litestar import Response, get, post
from litestar.params import FromPath

from b2a.billing import coupons
from b2a.billing.rules import CouponKind
from b2a.billing.schemas import CouponIn, CouponOut
from b2a.catalog.money import decimal_price, normalise_currency, parse_price
from b2a.errors import B2AError, Invalid, NotFound
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.admin._common import ADMIN, AnyRequest, whole_number

PAGE = "/admin/coupons"
TEMPLATE = "admin/coupons.html"
EDIT = "admin/coupon.html"
NEW_COUPON = {"kind": "percent", "currency": "USD"}


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    return {
        "coupons": await coupons.list_coupons(await current_actor(request)),
        "kinds": [k.value for k in CouponKind],
        "values": NEW_COUPON,
        **context,
    }


def _expiry(raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid("give the last day as YYYY-MM-DD.", field="expires_on") from None
    return datetime.combine(day, time(23, 59, 59), UTC)


def _coupon_in(values: dict[str, str]) -> CouponIn:
    kind = values.get("kind", "")
    if kind not in {k.value for k in CouponKind}:
        raise Invalid("choose a percentage or a fixed amount.", field="kind")
    currency = normalise_currency(values.get("currency", "USD"))
    value = (
        whole_number(values, "value")
        if kind == CouponKind.PERCENT
        else parse_price(values.get("value", ""), currency, field="value")
    )
    return CouponIn(
        code=values.get("code", ""),
        kind=CouponKind(kind),
        value=value,
        currency=currency,
        expires_at=_expiry(values.get("expires_on", "")),
        stripe_coupon_id=values.get("stripe_coupon_id", ""),
        banner_text=values.get("banner_text", ""),
    )


@get(PAGE, opt=ADMIN, name="admin-coupons")
async def coupons_page(request: AnyRequest) -> Response[Any]:
    """Every coupon and the form for a new one."""
    return await page(request, TEMPLATE, **await _context(request))


@post(PAGE, opt=ADMIN)
async def create_coupon(request: AnyRequest) -> Response[Any]:
    """A new coupon; its banner shows on the billing pages while it is usable."""
    values = await form_data(request)
    try:
        coupon = await coupons.create_coupon(await current_actor(request), _coupon_in(values))
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request, values=values))
    await flash(request, f"The coupon {coupon.code} is live.")
    return redirect(request, PAGE)


def _form_values(coupon: CouponOut) -> dict[str, str]:
    """A coupon as its edit form shows it."""
    percent = coupon.kind == CouponKind.PERCENT
    return {
        "code": coupon.code,
        "kind": coupon.kind,
        "value": str(coupon.value) if percent else decimal_price(coupon.value, coupon.currency),
        "currency": coupon.currency,
        "expires_on": coupon.expires_at.date().isoformat() if coupon.expires_at else "",
        "stripe_coupon_id": coupon.stripe_coupon_id,
        "banner_text": coupon.banner_text,
    }


async def _coupon(request: AnyRequest, coupon_id: UUID) -> CouponOut:
    for coupon in await coupons.list_coupons(await current_actor(request)):
        if coupon.id == coupon_id:
            return coupon
    raise NotFound("no such coupon.")


@get(f"{PAGE}/{{coupon_id:uuid}}", opt=ADMIN, name="admin-coupon")
async def coupon_page(request: AnyRequest, coupon_id: FromPath[UUID]) -> Response[Any]:
    """One coupon's edit form."""
    coupon = await _coupon(request, coupon_id)
    return await page(
        request, EDIT, **await _context(request, coupon=coupon, values=_form_values(coupon))
    )


@post(f"{PAGE}/{{coupon_id:uuid}}", opt=ADMIN)
async def update_coupon(request: AnyRequest, coupon_id: FromPath[UUID]) -> Response[Any]:
    """Change a coupon's terms, expiry, Stripe twin or banner."""
    values = await form_data(request)
    try:
        coupon = await coupons.update_coupon(
            await current_actor(request), coupon_id, _coupon_in(values)
        )
    except B2AError as exc:
        current = await _coupon(request, coupon_id)
        context = await _context(request, coupon=current, values=values)
        return await form_error(request, EDIT, exc, **context)
    await flash(request, f"The coupon {coupon.code} is saved.")
    return redirect(request, PAGE)


@post(f"{PAGE}/{{coupon_id:uuid}}/active", opt=ADMIN)
async def set_active(request: AnyRequest, coupon_id: FromPath[UUID]) -> Response[Any]:
    """Withdraw a coupon (its banner goes too), or bring it back."""
    active = (await form_data(request)).get("active") == "true"
    coupon = await coupons.set_coupon_active(await current_actor(request), coupon_id, active)
    await flash(request, f"The coupon {coupon.code} is {'live' if active else 'withdrawn'}.")
    return redirect(request, PAGE)


HANDLERS = [coupons_page, create_coupon, coupon_page, update_coupon, set_active]
