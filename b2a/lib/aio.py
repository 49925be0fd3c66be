"""The event loop every long-running process runs on.

uvloop (installed with uvicorn's standard extras, which ``b2a serve`` already
runs on) schedules callbacks and handles sockets in C; the worker spends a
good part of its CPU in the event loop itself, so it runs there too. Where
uvloop is missing (Windows), asyncio's own loop does the same work more slowly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop if it is installed, else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
