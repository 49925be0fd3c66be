"""``/api/v1/admin/billing``: the operator's payment settings, as on the admin billing page.

Stripe's keys are written here and never read back: answers carry their last
four characters at most. ``POST /stripe/test`` asks Stripe for the account with
the stored key and answers what Stripe said (a refused key is ``ok: false``,
not an HTTP error: the test ran).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.datastructures import State
from litestar.params import JSONBody

from b2a.billing import config
from b2a.billing.schemas import BillingSettingsIn, BillingSettingsOut, StripeKeyCheck
from b2a.billing.stripe_api import check_stored_key
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


def _box(state: State) -> SecretBox:
    return SecretBox(state.settings.core.encryption_key)


def _base_url(state: State, request: Request[Any, Any, Any]) -> str:
    """B2A_SERVER_PUBLIC_URL, else the address the caller used (for the webhook URL)."""
    return str(state.settings.server.public_url or request.base_url)


class AdminBillingController(Controller):
    """Super admins only (``Area.ADMIN`` in the API guard)."""

    path = "/admin/billing"
    tags = ["admin"]
    opt = {"area": Area.ADMIN}

    @get(summary="Payment settings, Stripe's keys masked, and the webhook URL")
    async def get_billing(
        self, actor: ActorDep, state: State, request: Request[Any, Any, Any]
    ) -> BillingSettingsOut:
        """``webhook_url`` is the endpoint to paste into Stripe (Developers → Webhooks)."""
        return await config.billing_settings(
            actor, box=_box(state), base_url=_base_url(state, request)
        )

    @put(summary="Change Stripe's keys and the manual payment methods")
    async def put_billing(
        self,
        actor: ActorDep,
        state: State,
        request: Request[Any, Any, Any],
        data: JSONBody[BillingSettingsIn],
    ) -> BillingSettingsOut:
        """Blank or masked keys keep the stored ones; an omitted ``local`` keeps the methods."""
        return await config.save_billing_settings(
            actor, data, box=_box(state), base_url=_base_url(state, request)
        )

    @post("/stripe/test", status_code=200, summary="Test the stored Stripe key against Stripe")
    async def test_stripe(self, actor: ActorDep, state: State) -> StripeKeyCheck:
        """``ok`` says whether Stripe accepted the key; ``message`` says what to do if not."""
        async with create_client() as http:
            return await check_stored_key(
                actor, box=_box(state), api_url=state.settings.billing.stripe_api_url, http=http
            )
