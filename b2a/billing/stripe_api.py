"""The one way billing talks to Stripe: the official library over our httpx client.

``stripe_client`` builds a ``StripeClient`` whose requests go through the httpx
client the caller made with ``b2a.lib.http.create_client`` (our timeouts, one
connection pool, closed by its owner), at ``B2A_BILLING_STRIPE_API_URL`` so
tests point it at a local fake. ``calling_stripe`` turns the library's errors
into ours, with words for the operator and never the key. Objects come back as
plain dicts (``as_dict``), so webhook payloads and fetched objects are read the
same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any, NoReturn

import httpx
import stripe

from b2a.billing.config import StripeKeys, stripe_keys
from b2a.billing.schemas import StripeKeyCheck
from b2a.errors import Invalid, Unavailable
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor

# Retries of one call on a network failure or 409/429/5xx (Stripe adds an idempotency key).
NETWORK_RETRIES = 2


class _HttpxTransport(stripe.HTTPClient):
    """Stripe's HTTP client interface on top of an httpx client someone else owns."""

    name = "b2a-httpx"

    def __init__(self, http: httpx.AsyncClient) -> None:
        super().__init__()
        self._http = http

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        """One request; a network failure is the library's retryable connection error."""
        try:
            response = await self._http.request(
                method, url, headers=dict(headers), content=post_data or None
            )
        except httpx.HTTPError as exc:
            raise stripe.APIConnectionError(
                f"Stripe could not be reached ({type(exc).__name__}).", should_retry=True
            ) from exc
        return response.content, response.status_code, response.headers

    def sleep_async(self, secs: float) -> Any:
        """The pause between retries."""
        return asyncio.sleep(secs)

    async def close_async(self) -> None:
        """Nothing to close: the httpx client belongs to the caller."""

    def request(self, *args: Any, **kwargs: Any) -> NoReturn:
        """b2a calls Stripe only asynchronously."""
        raise RuntimeError("b2a calls Stripe through the async methods only")

    def request_stream(self, *args: Any, **kwargs: Any) -> NoReturn:
        """b2a streams nothing from Stripe."""
        raise RuntimeError("b2a calls Stripe through the async methods only")

    def close(self) -> None:
        """Nothing to close."""


def stripe_client(
    keys: StripeKeys, *, api_url: str, http: httpx.AsyncClient
) -> stripe.StripeClient:
    """A Stripe client for these keys at ``api_url``, sending through ``http``."""
    return stripe.StripeClient(
        keys.secret_key,
        base_addresses={"api": api_url},
        http_client=_HttpxTransport(http),
        max_network_retries=NETWORK_RETRIES,
    )


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object (or an already plain payload) as nested plain dicts and lists."""
    if isinstance(obj, stripe.StripeObject):
        return dict(obj.to_dict())
    return dict(obj)


@contextlib.asynccontextmanager
async def calling_stripe(what: str) -> AsyncIterator[None]:
    """Map the library's errors raised inside the block; ``what`` says what was being done.

    Raises:
        Unavailable: Stripe was unreachable, refused the key, or failed (retry later).
        Invalid: Stripe refused the request itself (a wrong price or coupon id).
    """
    try:
        yield
    except stripe.AuthenticationError:
        raise Unavailable(
            f"Stripe refused the secret key while {what}: the operator checks the keys in the "
            "admin panel.",
            code="STRIPE_KEY_REFUSED",
        ) from None
    except stripe.InvalidRequestError as exc:
        raise Invalid(
            f"Stripe refused {what}: {exc.user_message or 'invalid request'}",
            code="STRIPE_REFUSED",
        ) from None
    except stripe.StripeError as exc:
        raise Unavailable(
            f"Stripe could not be reached while {what} ({type(exc).__name__}); try again in a "
            "moment.",
            code="STRIPE_UNAVAILABLE",
        ) from None


async def verify_stripe_key(
    keys: StripeKeys, *, api_url: str, http: httpx.AsyncClient
) -> StripeKeyCheck:
    """Ask Stripe for the key's own account: whether the key works, in words for the operator.

    ``GET /v1/account`` changes nothing and answers any secret key, test or live.
    """
    client = stripe_client(keys, api_url=api_url, http=http)
    try:
        account = as_dict(await client.v1.accounts.retrieve_current_async())
    except stripe.StripeError as exc:
        return StripeKeyCheck(False, _refusal(exc))
    profile = account.get("business_profile") or {}
    name = profile.get("name") or account.get("email") or "without a name"
    live = keys.secret_key.startswith(("sk_live_", "rk_live_"))
    return StripeKeyCheck(
        True,
        f"Stripe accepted the key: account {name} ({account['id']}), "
        f"{'live' if live else 'test'} mode.",
        account_id=str(account["id"]),
        live_mode=live,
    )


def _refusal(exc: stripe.StripeError) -> str:
    """What a failed key check means and what to do, never the key itself."""
    if isinstance(exc, stripe.AuthenticationError):
        return (
            "Stripe refused this secret key: it is mistyped, revoked or rolled. Copy it again "
            "from Stripe → Developers → API keys and save it in Admin → Billing."
        )
    if isinstance(exc, stripe.PermissionError):
        return (
            "Stripe knows this restricted key but it may not read the account: give it read "
            "access to the account, or use the secret key."
        )
    if isinstance(exc, stripe.APIConnectionError):
        return (
            "Stripe could not be reached from this server: check that it can open "
            "https://api.stripe.com (internet access, firewall, proxy), then test again."
        )
    return f"Stripe answered with an error ({type(exc).__name__}); test again in a minute."


async def check_stored_key(
    actor: Actor, *, box: SecretBox, api_url: str, http: httpx.AsyncClient
) -> StripeKeyCheck:
    """The admin panel's "Test the key": the stored secret key, asked of Stripe now.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    keys = await stripe_keys(box)
    if keys is None:
        return StripeKeyCheck(
            False, "No secret key is stored yet: enter Stripe's secret key, save, then test it."
        )
    return await verify_stripe_key(keys, api_url=api_url, http=http)
