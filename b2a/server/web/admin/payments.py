"""The manual payments queue: see the screenshot, approve (plan and period applied) or reject.

Approving and rejecting are ``billing.manual``'s: each happens once (a
conditional UPDATE from PENDING), so two operators deciding at once cannot
both win; a rejection needs a note, which the tenant reads on their billing page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import File

from b2a.billing import manual
from b2a.billing.account import billing_overview
from b2a.billing.rules import METHOD_NAMES, ReviewStatus
from b2a.errors import B2AError
from b2a.server.api._common import media_root
from b2a.server.files import file_response
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.server.web.admin._common import ADMIN, AnyRequest
from b2a.server.websession import settings_of
from b2a.tenants.service import list_tenants

PAGE = "/admin/payments"
TEMPLATE = "admin/payments.html"
FILTERS = ("PENDING", "APPROVED", "REJECTED", "ALL")


async def _context(request: AnyRequest, **context: Any) -> dict[str, Any]:
    shown = request.query_params.get("status", "PENDING")
    if shown not in FILTERS:
        shown = "PENDING"
    status = None if shown == "ALL" else ReviewStatus(shown)
    payments = await manual.list_manual_payments(await current_actor(request), status=status)
    names = {t.id: t.name for t in await list_tenants(include_deleted=True)}
    return {
        "payments": payments,
        "tenant_names": names,
        "shown": shown,
        "filters": FILTERS,
        "method_names": METHOD_NAMES,
        "failed_id": None,
        **context,
    }


@get(PAGE, opt=ADMIN, name="admin-payments")
async def payments_page(request: AnyRequest) -> Response[Any]:
    """Payments waiting for review (or every decided one, by filter), newest first."""
    return await page(request, TEMPLATE, **await _context(request))


@get(f"{PAGE}/{{payment_id:uuid}}/screenshot", opt=ADMIN)
async def screenshot(request: AnyRequest, payment_id: FromPath[UUID]) -> File:
    """The screenshot the tenant sent with the payment."""
    served = await manual.receipt_file(
        await current_actor(request), payment_id, media_root=media_root(request.app.state)
    )
    return file_response(served)


@post(f"{PAGE}/{{payment_id:uuid}}/approve", opt=ADMIN)
async def approve(request: AnyRequest, payment_id: FromPath[UUID]) -> Response[Any]:
    """Accept the payment: the tenant's plan and its period start now."""
    note = (await form_data(request)).get("note", "")
    actor = await current_actor(request)
    try:
        payment = await manual.approve_manual_payment(actor, payment_id, note=note)
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    overview = await billing_overview(
        actor.within(payment.tenant_id), reminder_days=settings_of(request).billing.reminder_days
    )
    end = overview.subscription.current_period_end if overview.subscription else None
    until = f" until {end:%d %b %Y}" if end else ""
    await flash(
        request, f"Payment {payment.reference} is approved: {payment.plan_name} applies{until}."
    )
    return redirect(request, PAGE)


@post(f"{PAGE}/{{payment_id:uuid}}/reject", opt=ADMIN)
async def reject(request: AnyRequest, payment_id: FromPath[UUID]) -> Response[Any]:
    """Turn the payment down with a note the tenant reads."""
    values = await form_data(request)
    try:
        payment = await manual.reject_manual_payment(
            await current_actor(request), payment_id, note=values.get("note", "")
        )
    except B2AError as exc:
        # A missing note is shown under that payment's field; anything else above the list.
        failed = payment_id if exc.field == "note" else None
        context = await _context(request, failed_id=failed, values=values)
        return await form_error(request, TEMPLATE, exc, **context)
    await flash(request, f"Payment {payment.reference} is rejected; the tenant sees your note.")
    return redirect(request, PAGE)


HANDLERS = [payments_page, screenshot, approve, reject]
