"""Concurrent callers' items handled together: one call of a batch function for many.

The worker runs each accepted event as its own job (so the queue's retries,
attempts and sweeps stay per event), but storing them one transaction each
costs a round trip per statement per message. A ``Batcher`` sits between: each
job hands its item to ``submit`` and waits; the items that arrive within
``wait`` seconds of the first one, up to ``size``, go to one call of the batch
function, and each caller gets its own result back.

A batch that raises gives every caller ``BatchFailed``; the caller then does
its item alone, so one bad item fails only its own job.

With tracing on, a batch is its own span (``name``), the root of a trace of
its own, linked to the span of every caller it answers: it belongs to many
traces at once, and a span has one parent (``docs/decisions.md``, "Tracing").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

from b2a.lib import tracing

Item = TypeVar("Item", bound=Hashable)
Result = TypeVar("Result")
log = logging.getLogger(__name__)


class BatchFailed(Exception):
    """The batch this item was in raised; the item itself may be fine, so do it alone."""


class Batcher(Generic[Item, Result]):
    """Collects items from concurrent ``submit`` calls into batches (``size`` or ``wait``)."""

    def __init__(
        self,
        run: Callable[[list[Item]], Awaitable[Mapping[Item, Result]]],
        *,
        size: int,
        wait: float,
        name: str = "batch",
    ) -> None:
        self._run = run
        self.size = max(1, size)
        self.wait = wait
        self.name = name
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._links: list[Any] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        """The item's result from the batch it joined.

        Raises:
            BatchFailed: the batch raised (the cause is chained); do the item alone.
        """
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._links.append(tracing.link())
        if len(self._pending) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.wait, self._flush)
        return await future

    async def close(self) -> None:
        """Run what is pending now and wait for every batch under way (at shutdown)."""
        self._flush()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        links, self._links = self._links, []
        if batch:
            task = asyncio.create_task(self._answer(batch, links))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _answer(
        self, batch: list[tuple[Item, asyncio.Future[Result]]], links: list[Any]
    ) -> None:
        try:
            with tracing.span(
                self.name, parent={}, links=links, attributes={"b2a.batch.size": len(batch)}
            ):
                results = await self._run(list(dict.fromkeys(item for item, _ in batch)))
        except BaseException as error:  # cancelled too: no caller may wait forever
            log.warning("a batch of %d failed, each item goes alone: %r", len(batch), error)
            for _, future in batch:
                if not future.done():
                    future.set_exception(_failed(len(batch), error))
            if not isinstance(error, Exception):
                raise
            return
        for item, future in batch:
            if future.done():
                continue
            if item in results:
                future.set_result(results[item])
            else:
                future.set_exception(BatchFailed("the batch gave no result for this item"))


def _failed(size: int, error: BaseException) -> BatchFailed:
    failed = BatchFailed(f"a batch of {size} failed: {error!r}")
    failed.__cause__ = error
    return failed
