"""Benchmark: the CPU one Cloud API send costs the client, over each HTTP client option.

Run by hand (never by the test suite), from the project root:

    .venv/bin/python -m bench.http_client                    # every option, 3 runs
    .venv/bin/python -m bench.http_client --count 4000 --concurrency 50
    .venv/bin/python -m bench.http_client --latency 0.1 --concurrency 250 \
        --pool 50,100,200 --options cloud+aiohttp-transport  # size the pool
    .venv/bin/python -m bench.http_client --profile cloud+httpx-defaults

The fake Graph API (``tests/fakes/graph_api.py``) runs in its own process, as in
``bench/pipeline.py``; this process only sends. Each option POSTs the same text
send ``count`` times from ``concurrency`` tasks on one keep-alive client, on
uvloop as the worker does. Reported per option: requests/s and the client's CPU
per request (``time.process_time`` of this process, so the fake's work is not
counted), the median of the runs with their range; the runs of all options are
interleaved so a change in the machine's load touches each option alike.
``--latency`` delays each answer like Meta's round trip. The fake speaks
HTTP/1.1 only, so ``cloud+httpx-h2c`` sends to a minimal HTTP/2 stand-in
(``_H2Graph``) started in its own process.
See docs/performance.md ("Outbound HTTP client") for the figures and
docs/decisions.md for the choice they led to.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import h2.config
import h2.connection
import h2.events
import httpx
from rich.console import Console
from rich.table import Table

from b2a.lib.aio import run
from b2a.lib.aiohttp_transport import AiohttpTransport
from b2a.lib.http import USER_AGENT, create_client
from b2a.whatsapp.cloud_api import DEFAULT_VERSION, CloudApiClient, CloudCredentials
from b2a.whatsapp.transport import Outbound
from bench import harness

console = Console(width=150)
PHONE_NUMBER_ID = "1111"  # the number the fake knows
TEXT = "Assalam o alaikum! Thanks for writing to Acme. We will answer within the hour."

Send = Callable[[int], Awaitable[None]]


@dataclass
class Option:
    """One way of sending: how to build it, and what it closes afterwards."""

    name: str
    how: str
    open: Callable[[str, int], Awaitable[tuple[Send, Callable[[], Awaitable[None]]]]]
    server: str = "graph"
    """``graph``: the fake Graph API (HTTP/1.1); ``h2``: the HTTP/2 stand-in below."""
    runs: list[tuple[float, float]] = field(default_factory=list)
    """(requests/s, client CPU ms per request) of each run."""


def _body(n: int) -> dict[str, Any]:
    """The body ``CloudApiClient.send`` posts for a text reply."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": str(920_000_000_000 + n),
        "biz_opaque_callback_data": f"bench-{n}",
        "type": "text",
        "text": {"body": TEXT, "preview_url": False},
    }


def _on_cloud(http: httpx.AsyncClient, graph_url: str) -> Send:
    client = CloudApiClient(
        http, CloudCredentials(PHONE_NUMBER_ID, harness.GRAPH_TOKEN), base_url=graph_url
    )

    async def send(n: int) -> None:
        await client.send(Outbound(to=str(920_000_000_000 + n), text=TEXT, ref=f"bench-{n}"))

    return send


def _cloud(make: Callable[[int], httpx.AsyncClient]) -> Any:
    async def open_(graph_url: str, pool: int) -> tuple[Send, Callable[[], Awaitable[None]]]:
        http = make(pool)
        return _on_cloud(http, graph_url), http.aclose

    return open_


async def _httpx_plain(graph_url: str, pool: int) -> tuple[Send, Callable[[], Awaitable[None]]]:
    http = httpx.AsyncClient()
    url = f"{graph_url}/{DEFAULT_VERSION}/{PHONE_NUMBER_ID}/messages"
    auth = {"Authorization": f"Bearer {harness.GRAPH_TOKEN}"}

    async def send(n: int) -> None:
        response = await http.post(url, json=_body(n), headers=auth)
        response.raise_for_status()

    return send, http.aclose


async def _aiohttp_plain(graph_url: str, pool: int) -> tuple[Send, Callable[[], Awaitable[None]]]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=pool))
    url = f"{graph_url}/{DEFAULT_VERSION}/{PHONE_NUMBER_ID}/messages"
    auth = {"Authorization": f"Bearer {harness.GRAPH_TOKEN}"}

    async def send(n: int) -> None:
        async with session.post(url, json=_body(n), headers=auth) as response:
            response.raise_for_status()
            await response.json()

    return send, session.close


async def _raw(graph_url: str, pool: int) -> tuple[Send, Callable[[], Awaitable[None]]]:
    poster = harness._Poster(graph_url, pool)
    path = f"/{DEFAULT_VERSION}/{PHONE_NUMBER_ID}/messages"
    headers = {
        "Authorization": f"Bearer {harness.GRAPH_TOKEN}",
        "Content-Type": "application/json",
    }

    async def send(n: int) -> None:
        status = await poster.post(path, json.dumps(_body(n)).encode(), headers)
        if status != 200:
            raise RuntimeError(f"the fake answered {status}")

    async def close() -> None:
        poster.close()

    return send, close


def _tuned(pool: int) -> httpx.AsyncClient:
    """httpx's own transport with everything optional off: no proxy lookups, no hooks."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(15.0, connect=5.0),
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        trust_env=False,
    )


def _http2(pool: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        http2=True, limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    )


def _h2c(pool: int) -> httpx.AsyncClient:
    """HTTP/2 with prior knowledge over plain TCP: every send multiplexed on one connection."""
    return httpx.AsyncClient(
        http1=False, http2=True, timeout=httpx.Timeout(15.0, connect=5.0), trust_env=False
    )


def _aiohttp_transport(pool: int) -> httpx.AsyncClient:
    transport = AiohttpTransport(
        max_connections=pool, keepalive_seconds=5.0, verify=httpx.create_ssl_context()
    )
    return httpx.AsyncClient(
        transport=transport, timeout=httpx.Timeout(15.0, connect=5.0), trust_env=False
    )


OPTIONS = {
    o.name: o
    for o in (
        Option(
            "cloud+create_client",
            "CloudApiClient on create_client()",
            _cloud(lambda pool: create_client()),
        ),
        Option(
            "httpx-defaults", "httpx.AsyncClient() .post(json=…), no CloudApiClient", _httpx_plain
        ),
        Option(
            "cloud+httpx-defaults",
            "CloudApiClient on httpx.AsyncClient()",
            _cloud(lambda pool: httpx.AsyncClient()),
        ),
        Option(
            "cloud+httpx-tuned",
            "CloudApiClient on httpx, limits=pool, trust_env off",
            _cloud(_tuned),
        ),
        Option(
            "cloud+httpx-http2",
            "CloudApiClient on httpx http2=True (fake speaks 1.1)",
            _cloud(_http2),
        ),
        Option(
            "cloud+httpx-h2c",
            "CloudApiClient on httpx http2 (prior knowledge) to the h2 stand-in",
            _cloud(_h2c),
            server="h2",
        ),
        Option(
            "cloud+aiohttp-transport",
            "CloudApiClient on httpx over AiohttpTransport",
            _cloud(_aiohttp_transport),
        ),
        Option("aiohttp-plain", "aiohttp.ClientSession .post(json=…), no httpx", _aiohttp_plain),
        Option("raw", "hand-written HTTP/1.1 (bench/harness.py _Poster): the floor", _raw),
    )
}


async def _drive(send: Send, count: int, concurrency: int) -> None:
    """``count`` sends from ``concurrency`` tasks, each sending as soon as its last is answered."""
    numbers = iter(range(count))

    async def lane() -> None:
        for n in numbers:
            await send(n)

    await asyncio.gather(*(lane() for _ in range(concurrency)))


async def _measure(send: Send, count: int, concurrency: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await _drive(send, count, concurrency)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, cpu / count * 1000


async def _compare(args: argparse.Namespace, urls: dict[str, str]) -> list[Option]:
    chosen = [OPTIONS[name] for name in args.options.split(",")]
    opened = []
    for option in chosen:
        send, close = await option.open(urls[option.server], args.connections)
        await _drive(send, args.warm, args.concurrency)
        opened.append((option, send, close))
    for _ in range(args.runs):
        for option, send, _close in opened:
            option.runs.append(await _measure(send, args.count, args.concurrency))
    for _option, _send, close in opened:
        await close()
    return chosen


async def _pool_sweep(args: argparse.Namespace, urls: dict[str, str]) -> list[Option]:
    """The chosen client at each pool size, the same offered concurrency."""
    sizes = [int(s) for s in args.pool.split(",")]
    base = OPTIONS[args.options.split(",")[0]]
    swept = [Option(f"{base.name} pool={size}", base.how, base.open, base.server) for size in sizes]
    opened = []
    for size, option in zip(sizes, swept, strict=True):
        send, close = await option.open(urls[option.server], size)
        await _drive(send, args.warm, args.concurrency)
        opened.append((option, send, close))
    for _ in range(args.runs):
        for option, send, _close in opened:
            option.runs.append(await _measure(send, args.count, args.concurrency))
    for _option, _send, close in opened:
        await close()
    return swept


async def _profile(args: argparse.Namespace, urls: dict[str, str]) -> None:
    option = OPTIONS[args.profile]
    send, close = await option.open(urls[option.server], args.connections)
    await _drive(send, args.warm, args.concurrency)
    profile = cProfile.Profile()
    profile.enable()
    await _drive(send, args.count, args.concurrency)
    profile.disable()
    await close()
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def _report(options: list[Option], args: argparse.Namespace, load: tuple[float, ...]) -> None:
    table = Table(
        title=f"{args.count} sends × {args.runs} runs, {args.concurrency} concurrent, "
        f"the fake answering after {args.latency * 1000:.0f} ms; "
        f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    for column in ("option", "req/s (median, range)", "client CPU ms/req (median, range)", "how"):
        table.add_column(column)
    for option in options:
        rates = [r for r, _ in option.runs]
        cpus = [c for _, c in option.runs]
        table.add_row(
            option.name,
            f"{statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f})",
            f"{statistics.median(cpus):.3f} ({min(cpus):.3f}–{max(cpus):.3f})",
            option.how,
        )
    console.print(table)


class _H2Graph(asyncio.Protocol):
    """A stand-in answering every HTTP/2 request as the fake answers a send (prior knowledge).

    The fake Graph API is ``http.server``, HTTP/1.1 only; this is the least an
    HTTP/2 server can do, so the client's CPU is what the measurement shows.
    """

    def __init__(self, latency: float) -> None:
        self.latency = latency

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.h2.initiate_connection()
        transport.write(self.h2.data_to_send())

    def data_received(self, data: bytes) -> None:
        for event in self.h2.receive_data(data):
            if isinstance(event, h2.events.DataReceived):
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                loop = asyncio.get_running_loop()
                loop.call_later(self.latency, self._answer, event.stream_id)
        self.transport.write(self.h2.data_to_send())

    def _answer(self, stream_id: int) -> None:
        body = json.dumps(
            {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]}
        ).encode()
        headers = [(":status", "200"), ("content-type", "application/json")]
        self.h2.send_headers(stream_id, [*headers, ("content-length", str(len(body)))])
        self.h2.send_data(stream_id, body, end_stream=True)
        self.transport.write(self.h2.data_to_send())


async def _serve_h2(port: int, latency: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _H2Graph(latency), "127.0.0.1", port)
    await server.serve_forever()


def _start_h2(stack: harness.Stack, latency: float) -> str:
    port = harness.free_port()
    stack._spawn(
        "h2",
        [
            sys.executable,
            "-m",
            "bench.http_client",
            "--serve-h2",
            str(port),
            "--latency",
            str(latency),
        ],
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    raise RuntimeError("the HTTP/2 stand-in did not start; see its log")


def main() -> None:
    """Start the fake Graph API, send through each option, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="sends per run")
    parser.add_argument("--warm", type=int, default=300, help="sends before measuring")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20, help="pool size where tunable")
    parser.add_argument("--options", default=",".join(OPTIONS), help="comma-separated names")
    parser.add_argument("--pool", default="", help="sizes to sweep for the first option")
    parser.add_argument("--profile", default="", help="cProfile one option instead")
    parser.add_argument("--latency", type=float, default=0.0, help="the fake's delay, seconds")
    parser.add_argument("--serve-h2", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_h2:  # the stand-in's own process
        run(_serve_h2(args.serve_h2, args.latency))
        return
    with (
        tempfile.TemporaryDirectory() as home,
        harness.running_stack(dict(os.environ), Path(home)) as stack,
    ):
        stack.start_graph(args.latency)
        urls = {"graph": stack.graph_url, "h2": _start_h2(stack, args.latency)}
        load = os.getloadavg()
        if args.profile:
            run(_profile(args, urls))
            return
        measure = _pool_sweep if args.pool else _compare
        options = run(measure(args, urls))
        _report(options, args, load)


if __name__ == "__main__":
    main()
