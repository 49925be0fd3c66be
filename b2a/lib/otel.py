"""The OpenTelemetry side of ``b2a.lib.tracing``, loaded only when tracing is on.

It needs the ``b2a[otel]`` extra (opentelemetry-sdk and the OTLP/HTTP
exporter); ``b2a.lib.tracing.configure`` turns its absence into a message
telling the operator to install it. The tracer provider is b2a's own, not
OpenTelemetry's global one: no library is instrumented behind our back, and
the tests can install a provider per test.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanProcessor,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from b2a import __version__
from b2a.lib.tracing import Attributes

KINDS = {
    "internal": SpanKind.INTERNAL,
    "server": SpanKind.SERVER,
    "client": SpanKind.CLIENT,
    "producer": SpanKind.PRODUCER,
    "consumer": SpanKind.CONSUMER,
}
_PROPAGATOR = TraceContextTextMapPropagator()


class Handle:
    """``b2a.lib.tracing.Span`` over an OpenTelemetry span."""

    def __init__(self, span: trace.Span) -> None:
        self._span = span

    def set(self, attributes: Attributes) -> None:
        """Add attributes, leaving out None values."""
        self._span.set_attributes({k: v for k, v in attributes.items() if v is not None})

    def rename(self, name: str) -> None:
        """Name the span."""
        self._span.update_name(name)

    def fail(self, reason: str) -> None:
        """Mark the span as failed."""
        self._span.set_status(Status(StatusCode.ERROR, reason))


class OtelBackend:
    """Spans from b2a's own tracer provider, propagated as W3C trace context."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self._tracer = provider.get_tracer("b2a", __version__)

    @contextlib.contextmanager
    def span(
        self,
        name: str,
        kind: str,
        attributes: Attributes,
        parent: Mapping[str, str] | None,
        links: Sequence[Any],
    ) -> Iterator[Handle]:
        """A current span for the block; an exception leaving it is recorded on it."""
        context = None if parent is None else _PROPAGATOR.extract(parent)
        with self._tracer.start_as_current_span(
            name,
            context=context,
            kind=KINDS[kind],
            attributes={k: v for k, v in attributes.items() if v is not None},
            links=[Link(each) for each in links if each is not None],
        ) as span:
            yield Handle(span)

    def carrier(self) -> dict[str, str]:
        """The current span as ``traceparent`` (and ``tracestate``) headers."""
        headers: dict[str, str] = {}
        _PROPAGATOR.inject(headers, otel_context.get_current())
        return headers

    def link(self) -> Any:
        """The current span's context, or None outside any span."""
        context = trace.get_current_span().get_span_context()
        return context if context.is_valid else None

    def flush(self) -> None:
        """Export what is buffered now (waits at most 10 s)."""
        self.provider.force_flush(10_000)

    def shutdown(self) -> None:
        """Export what is buffered and stop the exporter."""
        self.provider.shutdown()


def _one_line(span: ReadableSpan) -> str:
    return span.to_json(indent=None) + "\n"


def processor(mode: str, endpoint: str) -> SpanProcessor:
    """Console: each span written as it ends. OTLP: batched in a thread, posted to the collector."""
    if mode == "console":
        return SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stdout, formatter=_one_line))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter: SpanExporter = (
        OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
        if endpoint
        else OTLPSpanExporter()  # OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, else localhost:4318
    )
    return BatchSpanProcessor(exporter)


def create_backend(
    mode: str, endpoint: str, service: str, span_processor: SpanProcessor | None = None
) -> OtelBackend:
    """The tracer of the process ``service``; its spans flush when the process exits."""
    resource = Resource.create(
        {
            "service.name": service,
            "service.version": __version__,
            "service.instance.id": f"{socket.gethostname()}:{os.getpid()}",
        }
    )
    provider = TracerProvider(resource=resource)  # shuts down (flushes) at exit
    provider.add_span_processor(span_processor or processor(mode, endpoint))
    return OtelBackend(provider)
