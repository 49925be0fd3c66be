"""Tracing: one trace from a webhook to the reply it caused, when the operator turns it on.

``B2A_TRACING`` is ``off`` by default, and then this module is all there is:
nothing imports OpenTelemetry, ``span`` yields a handle whose methods do
nothing, ``carrier`` is an empty dict. ``b2a serve``, ``b2a worker`` and
``b2a whatsapp`` call ``configure`` at start; with ``console`` or ``otlp`` it
loads ``b2a.lib.otel`` (the ``b2a[otel]`` extra) and every call here goes there.

The trace crosses processes in W3C ``traceparent`` form: ``carrier`` is what
``b2a.lib.queue.enqueue`` stores with a job, and the worker's job hook opens
the job's span under it (``docs/decisions.md``, "Tracing").

Attributes are ids, kinds and outcomes: never a message's text, a phone
number, a URL's query or a credential (``tests/reliability/test_tracing_run.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from b2a.errors import ConfigError

Attributes = Mapping[str, str | int | float | bool | None]
EXTRA = "pip install 'b2a[otel]'"


class Span(Protocol):
    """What code may do with the span it is in."""

    def set(self, attributes: Attributes) -> None:
        """Add attributes (None values are left out)."""

    def rename(self, name: str) -> None:
        """Name the span once what it did is known (an HTTP route, say)."""

    def fail(self, reason: str) -> None:
        """Mark the span's work as failed (an exception leaving the span does this itself)."""


class Backend(Protocol):
    """The tracer behind this module when tracing is on (``b2a.lib.otel``)."""

    def span(
        self,
        name: str,
        kind: str,
        attributes: Attributes,
        parent: Mapping[str, str] | None,
        links: Sequence[Any],
    ) -> contextlib.AbstractContextManager[Span]:
        """A span made current for the ``with`` block."""

    def carrier(self) -> dict[str, str]:
        """The current span as W3C trace-context headers."""

    def link(self) -> Any:
        """The current span's context, to link a later span to it; None outside any span."""

    def flush(self) -> None:
        """Send what is buffered now."""

    def shutdown(self) -> None:
        """Send what is buffered and stop."""


class _Quiet:
    """The span handle when tracing is off: every method does nothing."""

    def set(self, attributes: Attributes) -> None:
        pass

    def rename(self, name: str) -> None:
        pass

    def fail(self, reason: str) -> None:
        pass


QUIET: Span = _Quiet()
_OFF = contextlib.nullcontext(QUIET)
_backend: Backend | None = None


def configure(mode: str, endpoint: str, service: str) -> None:
    """Trace this process as ``service`` (``b2a-serve``…) when ``mode`` is console or otlp.

    Raises:
        ConfigError: tracing is on but the ``b2a[otel]`` extra is not installed.
    """
    if mode == "off":
        return
    try:
        from b2a.lib import otel
    except ImportError as missing:
        if not (missing.name or "").startswith("opentelemetry"):
            raise
        raise ConfigError(
            f"B2A_TRACING={mode} needs OpenTelemetry, which is not installed: run "
            f"{EXTRA} (in b2a's virtualenv), or set B2A_TRACING=off."
        ) from None
    install(otel.create_backend(mode, endpoint, service))


def install(backend: Backend | None) -> None:
    """Make ``backend`` the process's tracer (None: off), shutting the previous one down."""
    global _backend
    if _backend is not None and _backend is not backend:
        _backend.shutdown()
    _backend = backend


def flush() -> None:
    """Send the spans still buffered (a process about to stop; a signal may end it abruptly)."""
    if _backend is not None:
        _backend.flush()


def enabled() -> bool:
    """Whether this process traces."""
    return _backend is not None


def span(
    name: str,
    *,
    kind: str = "internal",
    attributes: Attributes | None = None,
    parent: Mapping[str, str] | None = None,
    links: Sequence[Any] = (),
) -> contextlib.AbstractContextManager[Span]:
    """A span around the ``with`` block, child of the current one.

    ``kind`` is internal, server, client, producer or consumer. ``parent``
    gives trace-context headers to continue instead (an empty mapping starts a
    new trace); ``links`` are ``link()`` values of spans this one works for.
    """
    if _backend is None:
        return _OFF
    return _backend.span(name, kind, attributes or {}, parent, links)


def carrier() -> dict[str, str]:
    """The current span as ``traceparent`` headers (empty when off or outside any span)."""
    return {} if _backend is None else _backend.carrier()


def link() -> Any:
    """A reference to the current span for a later span's links (None when off)."""
    return None if _backend is None else _backend.link()
