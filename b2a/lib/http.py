"""The one factory for outbound HTTP clients (WhatsApp Cloud API, AI providers, webhooks)."""

from __future__ import annotations

import httpx

from b2a import __version__

USER_AGENT = f"b2a/{__version__}"

# Sends in flight at once per client. At Meta's round trip (~0.1 s) 100 connections carry
# about 1,000 sends/s; measured, the CPU per send does not grow with the pool's size, and
# idle connections close after KEEPALIVE_SECONDS, so none are held at rest.
MAX_CONNECTIONS = 100
KEEPALIVE_SECONDS = 5.0  # httpx's own default: a server closing idle ones later never races us


def create_client(
    *, base_url: str = "", timeout: float = 15.0, max_connections: int = MAX_CONNECTIONS
) -> httpx.AsyncClient:
    """An httpx client with our timeouts and user agent, over aiohttp's pool; callers close it.

    Proxies named in the environment (``HTTPS_PROXY``, ``NO_PROXY``) still apply.
    """
    # Imported on the first client: aiohttp adds 8.6 MiB to a process, and `b2a serve`
    # calls out rarely (credential checks, billing) where the worker sends all the time.
    from b2a.lib.aiohttp_transport import AiohttpTransport

    transport = AiohttpTransport(
        max_connections=max_connections,
        keepalive_seconds=KEEPALIVE_SECONDS,
        verify=httpx.create_ssl_context(),
    )
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=5.0),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=transport,
    )
