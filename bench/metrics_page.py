"""Draw the Grafana dashboard's panels from one real /metrics scrape (docs/img/metrics.png).

Grafana is not installed here and is not required, so this is not Grafana:
it runs ``b2a serve`` and ``b2a worker`` as processes (bench/harness.py),
posts webhooks (answered by the offline assistant, plus a few refused ones),
scrapes ``/metrics`` once, and renders each panel of deploy/grafana/b2a.json
as bars of the values in that one scrape: counters as totals since start,
histograms as means (Grafana plots rates and 95th percentiles over time).
The page is screenshot with the headless chromium the browser tests use.

    python -m bench.metrics_page --redis-url redis://127.0.0.1:6389/1
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
from collections import defaultdict
from pathlib import Path

import httpx

from bench import harness

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "b2a.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def parse(text: str) -> list[tuple[str, dict[str, str], float]]:
    """The samples of a Prometheus text exposition."""
    samples = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        head, _, value = line.rpartition(" ")
        name, _, labels = head.partition("{")
        samples.append((name, dict(re.findall(r'(\w+)="([^"]*)"', labels)), float(value)))
    return samples


def _group(samples, name: str, by: list[str]) -> dict[str, float]:
    grouped: dict[str, float] = defaultdict(float)
    for sample_name, labels, value in samples:
        if sample_name == name:
            grouped[" ".join(labels.get(b, "") for b in by)] += value
    return dict(grouped)


def series(samples, expr: str) -> tuple[str, dict[str, float]]:
    """What one panel target shows in a single scrape: its kind and values by its labels."""
    name = re.search(r"\bb2a_\w+", expr).group(0)  # type: ignore[union-attr]
    by_match = re.search(r"by \(([^)]*)\)", expr)
    by = [b.strip() for b in by_match.group(1).split(",") if b.strip() != "le"] if by_match else []
    if name.endswith("_bucket"):
        base = name.removesuffix("_bucket")
        sums, counts = _group(samples, f"{base}_sum", by), _group(samples, f"{base}_count", by)
        return "mean s", {k: sums[k] / counts[k] for k in counts if counts[k]}
    kind = "total" if name.endswith(("_total", "_count")) else "now"
    return kind, _group(samples, name, by)


def render(samples, messages: int) -> str:
    """The page: one card per dashboard panel, one bar per series value."""
    cards = []
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        rows = []
        for target in panel["targets"]:
            kind, values = series(samples, target["expr"])
            top = max(values.values(), default=0) or 1
            for key, value in sorted(values.items(), key=lambda kv: -kv[1])[:8]:
                key = key or target["legendFormat"]
                width = max(2, round(100 * value / top))
                rows.append(
                    f'<div class="row"><span class="k">{html.escape(key)}</span>'
                    f'<span class="bar" style="width:{width}%"></span>'
                    f'<span class="v">{value:,.3g} <i>{kind}</i></span></div>'
                )
        body = "".join(rows) or '<div class="none">no samples yet</div>'
        cards.append(f"<section><h2>{html.escape(panel['title'])}</h2>{body}</section>")
    return PAGE.format(messages=messages, cards="".join(cards))


PAGE = """<!doctype html><meta charset="utf-8"><style>
body{{font:13px system-ui,sans-serif;background:#111217;color:#ccccdc;margin:16px}}
header{{margin-bottom:12px}} h1{{font-size:18px;margin:0}} header p{{margin:4px 0;color:#9fa2b0}}
main{{display:grid;grid-template-columns:1fr 1fr;gap:10px}}
section{{background:#181b1f;border:1px solid #2a2d33;border-radius:4px;padding:8px 10px}}
h2{{font-size:13px;margin:0 0 6px}} .row{{display:grid;grid-template-columns:230px 1fr 120px;
gap:6px;align-items:center;margin:2px 0}} .k{{overflow:hidden;white-space:nowrap;
text-overflow:ellipsis}} .bar{{height:10px;background:#73bf69;border-radius:2px}}
.v{{text-align:right}} i{{color:#6e7180;font-style:normal}} .none{{color:#6e7180}}
</style><header><h1>b2a: the dashboard's panels from one /metrics scrape (not Grafana)</h1>
<p>bench/metrics_page.py: b2a serve + b2a worker as processes, {messages} webhooks answered by the
offline assistant and a few refused ones; counters as totals since start, histograms as means.
Grafana (deploy/grafana/b2a.json) plots the same series as rates and 95th percentiles.</p>
</header><main>{cards}</main>"""


async def _refused(base_url: str, channel_id: str) -> None:
    body, headers = harness.webhook("920000000001", "wamid.refused", 0)
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(3):
            await client.post(f"/webhooks/whatsapp/{channel_id}", content=body + b" ")
        await client.post("/webhooks/whatsapp/no-such-channel", content=body, headers=headers)


async def main(args: argparse.Namespace) -> None:
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_metrics") as (db, home):
        env = harness.base_env(home, db, args.redis_url)
        with harness.running_stack(env, home / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url, assistant=True)
            stack.start("serve")
            stack.start("worker")
            await harness.drive(stack.base_url, channel_id, rate=args.rate, count=args.messages)
            await _refused(stack.base_url, channel_id)
            await harness.settle(db, expected=args.messages, replies=args.messages, timeout=120)
            text = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    page = render(parse(text), args.messages)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = await browser.new_page(viewport={"width": 1200, "height": 900})
        await tab.set_content(page)
        await tab.screenshot(path=str(args.out), full_page=True)
        await browser.close()
    print(f"wrote {args.out} from a scrape of {len(text.splitlines())} lines")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=40, help="webhooks per second")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "metrics.png")
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the script may create and drop a database",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/10",
        help="a Redis database the script flushes before and after",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
