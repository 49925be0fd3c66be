"""Tracing on for one test: spans kept in memory by a real OpenTelemetry SDK."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from b2a.lib import otel, tracing


@contextlib.contextmanager
def recording() -> Iterator[InMemorySpanExporter]:
    """Tracing on in this process until the block ends; the exporter holds the ended spans."""
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    tracing.install(otel.create_backend("console", "", "b2a-test", span_processor=processor))
    try:
        yield exporter
    finally:
        tracing.install(None)
