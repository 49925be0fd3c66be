"""Benchmark: the CPU one Cloud API send costs the client, over each HTTP client option.

Run by hand (never by the test suite), from the project root:

    .venv/bin/python -m bench.http_client                    # every option, 3 runs
    .venv/bin/python -m bench.http_client --count 4000 --concurrency 50
    .venv/bin/python -m bench.http_client --pool 5,10,20,50  # size the pool
    .venv/bin/python -m bench.http_client --profile cloud+httpx-defaults

The fake Graph API (``tests/fakes/graph_api.py``) runs in its own process, as in
``bench/pipeline.py``; this process only sends. Each option POSTs the same text
send ``count`` times from ``concurrency`` tasks on one keep-alive client, on
uvloop as the worker does. Reported per option: requests/s and the client's CPU
per request (``time.process_time`` of this process, so the fake's work is not
counted), the median of the runs with their range; the runs of all options are
interleaved so a change in the machine's load touches each option alike.
See docs/performance.md ("Outbound HTTP client") for the figures and
docs/decisions.md for the choice they led to.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
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
    import json

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


async def _compare(args: argparse.Namespace, graph_url: str) -> list[Option]:
    chosen = [OPTIONS[name] for name in args.options.split(",")]
    opened = []
    for option in chosen:
        send, close = await option.open(graph_url, args.connections)
        await _drive(send, args.warm, args.concurrency)
        opened.append((option, send, close))
    for _ in range(args.runs):
        for option, send, _close in opened:
            option.runs.append(await _measure(send, args.count, args.concurrency))
    for _option, _send, close in opened:
        await close()
    return chosen


async def _pool_sweep(args: argparse.Namespace, graph_url: str) -> list[Option]:
    """The chosen client at each pool size, the same offered concurrency."""
    sizes = [int(s) for s in args.pool.split(",")]
    base = OPTIONS[args.options.split(",")[0]]
    swept = [Option(f"{base.name} pool={size}", base.how, base.open) for size in sizes]
    opened = []
    for size, option in zip(sizes, swept, strict=True):
        send, close = await option.open(graph_url, size)
        await _drive(send, args.warm, args.concurrency)
        opened.append((option, send, close))
    for _ in range(args.runs):
        for option, send, _close in opened:
            option.runs.append(await _measure(send, args.count, args.concurrency))
    for _option, _send, close in opened:
        await close()
    return swept


async def _profile(args: argparse.Namespace, graph_url: str) -> None:
    send, close = await OPTIONS[args.profile].open(graph_url, args.connections)
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
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as home,
        harness.running_stack(dict(os.environ), Path(home)) as stack,
    ):
        stack.start_graph(args.latency)
        load = os.getloadavg()
        if args.profile:
            run(_profile(args, stack.graph_url))
            return
        measure = _pool_sweep if args.pool else _compare
        options = run(measure(args, stack.graph_url))
        _report(options, args, load)


if __name__ == "__main__":
    main()
