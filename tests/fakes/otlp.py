"""A local OpenTelemetry collector: receives OTLP/HTTP trace exports and keeps their spans.

It speaks the real wire format, as the OTLP/HTTP exporter of ``b2a[otel]``
posts it: ``POST /v1/traces`` with an ``ExportTraceServiceRequest`` in
protobuf (or its JSON mapping), answered with an empty
``ExportTraceServiceResponse``. ``spans`` are flattened into ``Received``;
``from_console`` reads the console exporter's JSON lines into the same shape,
so one test can check both exporters alike.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf.json_format import Parse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

# opentelemetry.proto's Span.SpanKind numbers, and the console exporter's names.
KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass(frozen=True)
class Received:
    """One span as a collector sees it; ids in lowercase hex."""

    service: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    links: tuple[tuple[str, str], ...] = ()
    failed: bool = False
    text: str = field(default="", compare=False)
    """Everything the collector received for this span, as text (for the secrets check)."""


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _from_request(request: ExportTraceServiceRequest) -> list[Received]:
    found = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                found.append(
                    Received(
                        service=str(resource.get("service.name", "")),
                        name=span.name,
                        kind=KINDS.get(span.kind, "unspecified"),
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_id=span.parent_span_id.hex(),
                        attributes={a.key: _value(a.value) for a in span.attributes},
                        links=tuple((k.trace_id.hex(), k.span_id.hex()) for k in span.links),
                        failed=span.status.code == 2,  # STATUS_CODE_ERROR
                        text=f"{resource_spans.resource}{span}",
                    )
                )
    return found


def from_console(line: str) -> Received:
    """One line of the console exporter (``B2A_TRACING=console``) as a received span."""
    data = json.loads(line)

    def hex_id(value: str | None) -> str:
        return (value or "").removeprefix("0x")

    return Received(
        service=str(data["resource"]["attributes"].get("service.name", "")),
        name=data["name"],
        kind=data["kind"].removeprefix("SpanKind.").lower(),
        trace_id=hex_id(data["context"]["trace_id"]),
        span_id=hex_id(data["context"]["span_id"]),
        parent_id=hex_id(data.get("parent_id")),
        attributes=dict(data.get("attributes") or {}),
        links=tuple(
            (hex_id(k["context"]["trace_id"]), hex_id(k["context"]["span_id"]))
            for k in data.get("links") or []
        ),
        failed=data["status"]["status_code"] == "ERROR",
        text=line,
    )


class FakeCollector:
    """The receiver, in its own thread on a free loopback port (``with FakeCollector() as c``)."""

    def __init__(self) -> None:
        self.spans: list[Received] = []
        self.requests = 0
        self._lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                request = ExportTraceServiceRequest()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    Parse(body, request)
                else:
                    request.ParseFromString(body)
                collector._keep(_from_request(request))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _keep(self, spans: list[Received]) -> None:
        with self._lock:
            self.spans.extend(spans)
            self.requests += 1

    def __enter__(self) -> FakeCollector:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
