"""Billing: the plan and its usage, choosing a plan, paying by card or manually, the history.

Card payments leave for Stripe's hosted pages (Checkout, the customer portal)
and come back here; the plan applies when Stripe's webhook reports the payment.
Manual payments (EasyPaisa, JazzCash, bank transfer) are a form with the
screenshot, priced by ``billing.manual.quote`` in the local currency after any
coupon, and wait for a super admin's review. The functions are the REST API's
(``server/api/billing.py`` says which serves what).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import File

from b2a.billing import account, checkout, coupons, manual, plans, receipts
from b2a.billing.rules import METHOD_NAMES
from b2a.billing.schemas import Quote
from b2a.errors import B2AError
from b2a.server.api._common import media_root
from b2a.server.api.billing import MULTIPART_SLACK, stripe_for
from b2a.server.files import file_response
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.websession import settings_of
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
BILLING = {"area": Area.BILLING}
PAGE = checkout.BILLING_PAGE
PAY_TEMPLATE = "billing/pay.html"
RETURNS = {
    "success": "Thank you. The plan applies as soon as Stripe confirms the payment, "
    "usually within a minute.",
    "canceled": "The card payment was cancelled; nothing was charged.",
}


def _base_url(request: AnyRequest) -> str:
    """Where Stripe sends the browser back: B2A_SERVER_PUBLIC_URL, else the address asked."""
    return settings_of(request).server.public_url or str(request.base_url)


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    actor = await current_actor(request)
    return {
        "banners": await coupons.banners(),
        "overview": await account.billing_overview(
            actor, reminder_days=settings_of(request).billing.reminder_days
        ),
        "plans": await plans.pricing(actor),
        "quotes": {quote.plan.id: quote for quote in await manual.price_list(actor)},
        "manual_payments": await manual.list_manual_payments(actor),
        "history": await account.payment_history(actor),
        "method_names": METHOD_NAMES,
        **context,
    }


@get(PAGE, opt=BILLING, name="billing")
async def billing_page(request: AnyRequest) -> Response[Any]:
    """The plan, usage and warnings, the plans on sale, payments and invoices."""
    returned = RETURNS.get(request.query_params.get("checkout", ""))
    return await page(request, "billing/index.html", **await _context(request, returned=returned))


async def _pay_context(
    request: AnyRequest, plan_id: UUID, coupon_code: str
) -> tuple[dict[str, Any], B2AError | None]:
    """The plan's quote after the coupon, and why the coupon was left out if it was."""
    actor = await current_actor(request)
    refused: B2AError | None = None
    try:
        quote: Quote = await manual.quote(actor, plan_id, coupon_code=coupon_code)
    except B2AError as exc:
        if exc.field != "coupon_code":
            raise
        refused, quote = exc, await manual.quote(actor, plan_id)
    context = {
        "banners": await coupons.banners(),
        "quote": quote,
        "coupon_code": coupon_code,
        "method_names": METHOD_NAMES,
    }
    return context, refused


@get(f"{PAGE}/plans/{{plan_id:uuid}}", opt=BILLING, name="billing-pay")
async def pay_page(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """One plan: its price after a coupon, by card or by manual payment."""
    coupon_code = request.query_params.get("coupon_code", "").strip()
    context, refused = await _pay_context(request, plan_id, coupon_code)
    if refused is not None:
        return await form_error(request, PAY_TEMPLATE, refused, **context)
    return await page(request, PAY_TEMPLATE, **context)


@post(f"{PAGE}/plans/{{plan_id:uuid}}/checkout", opt=BILLING)
async def start_checkout(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """Open Stripe Checkout for the plan and send the browser there."""
    coupon_code = (await form_data(request)).get("coupon_code", "")
    try:
        async with stripe_for(request.app.state) as client:
            opened = await checkout.start_checkout(
                await current_actor(request),
                plan_id,
                coupon_code=coupon_code,
                stripe_client=client,
                base_url=_base_url(request),
            )
    except B2AError as exc:
        context, _ = await _pay_context(request, plan_id, coupon_code)
        return await form_error(request, PAY_TEMPLATE, exc, **context)
    return redirect(request, opened.url)


@post(f"{PAGE}/portal", opt=BILLING)
async def open_portal(request: AnyRequest) -> Response[Any]:
    """Stripe's customer portal: cards, invoices, plan changes, cancelling."""
    try:
        async with stripe_for(request.app.state) as client:
            portal = await checkout.open_portal(
                await current_actor(request), stripe_client=client, base_url=_base_url(request)
            )
    except B2AError as exc:
        context = await _context(request, returned=None)
        return await form_error(request, "billing/index.html", exc, **context)
    return redirect(request, portal.url)


@post(
    f"{PAGE}/plans/{{plan_id:uuid}}/manual-payment",
    opt=BILLING,
    request_max_body_size=receipts.MAX_BYTES + MULTIPART_SLACK,
)
async def submit_manual_payment(request: AnyRequest, plan_id: FromPath[UUID]) -> Response[Any]:
    """Record a manual payment with its screenshot; a super admin reviews it."""
    form = await request.form()
    values = await form_data(request)
    upload = form.get("screenshot")
    submitted = manual.ManualPaymentIn(
        plan_id=str(plan_id),
        method=values.get("method", ""),
        sender_name=values.get("sender_name", ""),
        sender_number=values.get("sender_number", ""),
        reference=values.get("reference", ""),
        coupon_code=values.get("coupon_code", ""),
        screenshot=await upload.read() if isinstance(upload, UploadFile) else b"",
    )
    try:
        payment = await manual.submit_manual_payment(
            await current_actor(request), submitted, media_root=media_root(request.app.state)
        )
    except B2AError as exc:
        context, _ = await _pay_context(request, plan_id, submitted.coupon_code)
        return await form_error(request, PAY_TEMPLATE, exc, values=values, **context)
    await flash(
        request,
        f"Payment {payment.reference} is submitted and waits for review (PENDING); "
        "the plan applies once it is approved.",
    )
    return redirect(request, f"{PAGE}#manual-payments")


@get(f"{PAGE}/manual-payments/{{payment_id:uuid}}/screenshot", opt=BILLING)
async def screenshot(request: AnyRequest, payment_id: FromPath[UUID]) -> File:
    """A payment's screenshot, for the business's admins only."""
    served = await manual.receipt_file(
        await current_actor(request), payment_id, media_root=media_root(request.app.state)
    )
    return file_response(served)


HANDLERS = [billing_page, pay_page, start_checkout, open_portal, submit_manual_payment, screenshot]
