"""``/api/v1/billing``: the tenant's plan, usage, card checkout, portal and manual payments.

Tenant admins only (staff get 403): the domain checks the role, and the tenant
paid for is always the caller's own. Card payments go through Stripe's hosted
pages (the answer carries the URL to send the browser to); manual payments are
multipart uploads with the screenshot, at most 5 MB.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.response import File

from b2a.billing import account, checkout, manual, plans, receipts
from b2a.billing.config import require_stripe_keys
from b2a.billing.rules import ReviewStatus
from b2a.billing.schemas import (
    BillingOverview,
    CheckoutOut,
    ManualPaymentOut,
    PaymentRecord,
    PlanOut,
    PortalOut,
    Quote,
)
from b2a.billing.stripe_api import stripe_client
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.server.api._common import media_root
from b2a.server.files import file_response
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area

if TYPE_CHECKING:
    import stripe

# The multipart envelope (boundaries, headers, the text fields) around the screenshot.
MULTIPART_SLACK = 64 * 1024


class CheckoutIn(msgspec.Struct):
    """The plan to subscribe to, and an optional coupon code."""

    plan_id: UUID
    coupon_code: str = ""


@dataclass
class ManualPaymentForm:
    """A manual payment as the billing page's form sends it."""

    plan_id: str
    method: str
    sender_name: str
    sender_number: str
    reference: str
    screenshot: UploadFile
    coupon_code: str = ""


def _base_url(state: State, request: Request[Any, Any, Any]) -> str:
    """Where Stripe sends the browser back: B2A_SERVER_PUBLIC_URL, else the address asked."""
    return str(state.settings.server.public_url or request.base_url)


@contextlib.asynccontextmanager
async def stripe_for(state: State) -> AsyncIterator[stripe.StripeClient]:
    """A Stripe client with the operator's keys (the web UI's billing page uses it too).

    Raises:
        Conflict: the operator has not entered Stripe's keys (``STRIPE_NOT_CONFIGURED``).
    """
    keys = await require_stripe_keys(SecretBox(state.settings.core.encryption_key))
    async with create_client() as http:
        yield stripe_client(keys, api_url=state.settings.billing.stripe_api_url, http=http)


class BillingController(Controller):
    """The tenant's billing."""

    path = "/billing"
    opt = {"area": Area.BILLING}
    tags = ["billing"]

    @get("/", summary="Plan, subscription, AI usage and warnings")
    async def overview(self, actor: ActorDep, state: State) -> BillingOverview:
        """``suspended`` is true while an overdue payment pauses AI replies and sending."""
        return await account.billing_overview(
            actor, reminder_days=state.settings.billing.reminder_days
        )

    @get("/plans", summary="The plans on sale, in pricing-page order")
    async def list_plans(self, actor: ActorDep) -> list[PlanOut]:
        """Amounts are minor units (cents, paisa) of ``currency``; local prices are manual-only."""
        return await plans.pricing(actor)

    @get("/quote", summary="What a plan costs after a coupon, by card and by manual payment")
    async def quote(
        self,
        actor: ActorDep,
        plan_id: FromQuery[UUID],
        coupon_code: Annotated[str, QueryParameter(description="A coupon code, if any.")] = "",
    ) -> Quote:
        """``local`` is the manual-payment amount in the appliance's local currency."""
        return await manual.quote(actor, plan_id, coupon_code=coupon_code)

    @post("/checkout", status_code=200, summary="Open Stripe Checkout for a plan")
    async def start_checkout(
        self,
        actor: ActorDep,
        state: State,
        request: Request[Any, Any, Any],
        data: JSONBody[CheckoutIn],
    ) -> CheckoutOut:
        """Send the browser to ``url``; the plan applies once Stripe reports the payment."""
        async with stripe_for(state) as client:
            return await checkout.start_checkout(
                actor,
                data.plan_id,
                coupon_code=data.coupon_code,
                stripe_client=client,
                base_url=_base_url(state, request),
            )

    @post("/portal", status_code=200, summary="Open Stripe's customer portal")
    async def open_portal(
        self, actor: ActorDep, state: State, request: Request[Any, Any, Any]
    ) -> PortalOut:
        """Cards, invoices, plan changes and cancelling, on Stripe's pages."""
        async with stripe_for(state) as client:
            return await checkout.open_portal(
                actor, stripe_client=client, base_url=_base_url(state, request)
            )

    @get("/payments", summary="Stripe invoices and manual payments, newest first")
    async def payment_history(self, actor: ActorDep) -> list[PaymentRecord]:
        """Invoices link to Stripe's hosted copy in ``url``."""
        return await account.payment_history(actor)

    @post(
        "/manual-payments",
        summary="Submit a manual payment for review",
        request_max_body_size=receipts.MAX_BYTES + MULTIPART_SLACK,
    )
    async def submit_manual_payment(
        self,
        actor: ActorDep,
        state: State,
        data: MultipartBody[ManualPaymentForm],
    ) -> ManualPaymentOut:
        """The amount is computed from the plan and coupon; the screenshot is PNG/JPEG/WebP/PDF."""
        submitted = manual.ManualPaymentIn(
            plan_id=data.plan_id,
            method=data.method,
            sender_name=data.sender_name,
            sender_number=data.sender_number,
            reference=data.reference,
            coupon_code=data.coupon_code,
            screenshot=await data.screenshot.read(),
        )
        return await manual.submit_manual_payment(actor, submitted, media_root=media_root(state))

    @get("/manual-payments", summary="The tenant's manual payments and their review")
    async def list_manual_payments(
        self,
        actor: ActorDep,
        status: Annotated[
            ReviewStatus | None, QueryParameter(description="Only this status.")
        ] = None,
    ) -> list[ManualPaymentOut]:
        """Newest first; a rejected payment carries the reviewer's note."""
        return await manual.list_manual_payments(actor, status=status)

    @get("/manual-payments/{payment_id:uuid}", summary="One manual payment")
    async def get_manual_payment(
        self, actor: ActorDep, payment_id: FromPath[UUID]
    ) -> ManualPaymentOut:
        """Another tenant's payment answers 404."""
        return await manual.get_manual_payment(actor, payment_id)

    @get("/manual-payments/{payment_id:uuid}/screenshot", summary="A payment's screenshot")
    async def download_screenshot(
        self, actor: ActorDep, state: State, payment_id: FromPath[UUID]
    ) -> File:
        """Served only to the tenant's admins (and super admins in the admin panel)."""
        return file_response(
            await manual.receipt_file(actor, payment_id, media_root=media_root(state))
        )
