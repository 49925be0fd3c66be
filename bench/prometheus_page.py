"""Screenshot a real Prometheus graphing b2a's series over a short stream (docs/img/prometheus.png).

Runs ``b2a serve`` and ``b2a worker`` as processes (bench/harness.py), a
Prometheus server of its own scraping ``/metrics`` every second
(bench/prometheus.py; Debian's package, ``./setup.sh --test``), and posts
webhooks in three phases of different rates (each answered by the greeting,
one send per message). Then it opens Prometheus's own graph page (Debian's
package serves the classic UI at ``/classic/graph``) with panel queries of
deploy/grafana/b2a.json, ``$__rate_interval`` set to ``--rate-interval``, and
screenshots it with the headless chromium the browser tests use.

    python -m bench.prometheus_page --redis-url redis://127.0.0.1:6384/1
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import harness, prometheus

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PANELS = (("Webhooks", "A"), ("Job duration p95", "A"), ("HTTP latency p95 by route", "A"))
PHASES = ((2.0, 30), (6.0, 30), (3.0, 20))  # webhooks per second, for so many seconds


def graph_url(server_url: str, exprs: list[str], seconds: int) -> str:
    """The classic graph page with one graph tab per expression, ending now."""
    params: dict[str, str] = {}
    for n, expr in enumerate(exprs):
        params |= {f"g{n}.expr": expr, f"g{n}.tab": "0", f"g{n}.range_input": f"{seconds}s"}
        params[f"g{n}.step_input"] = "1"
    return f"{server_url}/classic/graph?{urlencode(params)}"


async def _stream(base_url: str, channel_id: str) -> int:
    """Post every phase's webhooks, each from a new customer; how many were accepted."""
    accepted = 0
    for n, (rate, seconds) in enumerate(PHASES):
        first = 920_000_000_000 + n * 1_000_000
        drive = await harness.drive(
            base_url, channel_id, rate=rate, count=int(rate * seconds), first_phone=first
        )
        accepted += len(drive.posted_at)
    return accepted


async def screenshot(url: str, out: Path, graphs: int) -> None:
    """Open the page, wait for every graph's legend, save a full-page PNG."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = await browser.new_page(viewport={"width": 1200, "height": 900})
        await tab.goto(url)
        await tab.wait_for_function(
            f"document.querySelectorAll('.rickshaw_legend').length >= {graphs}", timeout=30_000
        )
        await tab.wait_for_load_state("networkidle")
        # The navigation bar is fixed to the window: in a full-page picture it floats mid-page.
        await tab.add_style_tag(content=".navbar.fixed-top{position:absolute}")
        await tab.screenshot(path=str(out), full_page=True)
        await browser.close()


async def main(args: argparse.Namespace) -> None:
    variables = {"__rate_interval": args.rate_interval}
    chosen = {(t.panel, t.ref): t for t in prometheus.dashboard_targets(variables)}
    exprs = [chosen[key].expr for key in PANELS]
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_prom") as (db, home):
        env = harness.base_env(home, db, args.redis_url)
        with harness.running_stack(env, home / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url)
            stack.start("serve")
            target = f"127.0.0.1:{stack.port}"
            with prometheus.running([target], home / "prometheus") as server:
                began = time.monotonic()
                stack.start("worker")
                accepted = await _stream(stack.base_url, channel_id)
                await harness.settle(db, expected=accepted, replies=accepted, timeout=180)
                server.wait_for("sum(b2a_sends_total)", accepted)
                await asyncio.sleep(5)  # a few more scrapes: the lines come back down
                seconds = math.ceil(time.monotonic() - began) + 5
                await screenshot(graph_url(server.url, exprs, seconds), args.out, len(exprs))
    print(f"wrote {args.out}: {accepted} webhooks over {seconds} s")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "prometheus.png")
    parser.add_argument(
        "--rate-interval",
        default="10s",
        help="$__rate_interval (Grafana: at least 4 scrape intervals; 10 s smooths 1 s scrapes)",
    )
    harness.add_service_options(parser)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
