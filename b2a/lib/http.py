"""The one factory for outbound HTTP clients (WhatsApp Cloud API, AI providers, webhooks)."""

from __future__ import annotations

import httpx

from b2a import __version__

USER_AGENT = f"b2a/{__version__}"


def create_client(*, base_url: str = "", timeout: float = 15.0) -> httpx.AsyncClient:
    """An httpx client with our timeouts and user agent; callers close it."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=5.0),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
