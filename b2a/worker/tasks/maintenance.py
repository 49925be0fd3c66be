"""Housekeeping tasks."""

from __future__ import annotations

from typing import Any

from b2a.system.retention import run_retention


async def cleanup(ctx: dict[str, Any]) -> dict[str, int]:
    """The daily retention run (the same one `b2a cleanup` performs)."""
    return await run_retention(ctx["settings"])
