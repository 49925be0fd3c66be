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

from b2a.billing.config import StripeKeys
from b2a.errors import Invalid, Unavailable

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
