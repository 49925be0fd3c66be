"""Stripe's library over our httpx client; imported by ``stripe_api`` at the first Stripe call."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, NoReturn

import httpx
import stripe

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


def new_stripe_client(
    secret_key: str, *, api_url: str, http: httpx.AsyncClient
) -> stripe.StripeClient:
    """A Stripe client for this key at ``api_url``, sending through ``http``."""
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_url},
        http_client=_HttpxTransport(http),
        max_network_retries=NETWORK_RETRIES,
    )
