"""The Litestar adapter: REST API, web UI, webhooks and health endpoints."""
