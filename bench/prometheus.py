"""A real Prometheus server scraping a b2a stack, and the Grafana dashboard's queries for it.

Debian's ``prometheus`` package (``./setup.sh --test`` installs it) run as our
own process: a free loopback port, a configuration file and a storage
directory in a directory the caller owns, so nothing depends on the packaged
service or its port 9090. Used by tests/reliability/test_dashboard.py (every
PromQL expression of deploy/grafana/b2a.json, evaluated) and by
bench/prometheus_page.py (the screenshot of Prometheus's graph page).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "b2a.json"
SCRAPE_JOB = "b2a"
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


class QueryError(Exception):
    """Prometheus refused a query (its message says why: a parse error, a bad range…)."""


def binary() -> str | None:
    """The ``prometheus`` executable, if installed."""
    return shutil.which("prometheus")


@dataclass
class Prometheus:
    """A running server and its HTTP API."""

    url: str
    process: subprocess.Popen[bytes]

    def _get(self, path: str, params: Mapping[str, str | float]) -> Any:
        response = httpx.get(f"{self.url}{path}", params=dict(params), timeout=30)
        body = response.json()
        if body.get("status") != "success":
            raise QueryError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector of ``expr`` now (``/api/v1/query``)."""
        data = self._get("/api/v1/query", {"query": expr})
        return list(data["result"]) if data["resultType"] == "vector" else [data]

    def query_range(self, expr: str, start: float, end: float, step: float = 1.0) -> Any:
        """Every series of ``expr`` over a time range, as Grafana asks for a panel."""
        params = {"query": expr, "start": start, "end": end, "step": step}
        return self._get("/api/v1/query_range", params)["result"]

    def series(self, match: str) -> list[dict[str, str]]:
        """The label sets of every stored series ``match`` selects (``/api/v1/series``)."""
        return list(self._get("/api/v1/series", {"match[]": match}))

    def total(self, expr: str) -> float:
        """The sum of an instant vector's values now (0 when it is empty)."""
        return sum(float(sample["value"][1]) for sample in self.query(expr))

    def wait_for(self, expr: str, at_least: float, timeout: float = 60.0) -> float:
        """Wait until ``expr`` sums to ``at_least`` (a scrape has seen it); the sum reached."""
        deadline = time.monotonic() + timeout
        while (value := self.total(expr)) < at_least and time.monotonic() < deadline:
            time.sleep(0.5)
        return value


def config(targets: Sequence[str], scrape_interval: str) -> str:
    """A configuration scraping ``targets`` (host:port of each ``b2a serve``) every interval."""
    job = {"job_name": SCRAPE_JOB, "static_configs": [{"targets": list(targets)}]}
    settings = {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval}
    return json.dumps({"global": settings, "scrape_configs": [job]}, indent=2)  # JSON is YAML


@contextlib.contextmanager
def running(
    targets: Sequence[str], directory: Path, scrape_interval: str = "1s"
) -> Iterator[Prometheus]:
    """A Prometheus scraping ``targets``, its files in ``directory``; always stopped after."""
    executable = binary()
    if executable is None:
        raise RuntimeError("prometheus is not installed (./setup.sh --test installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prometheus.yml").write_text(config(targets, scrape_interval))
    port = free_port()
    argv = [
        executable,
        f"--config.file={directory / 'prometheus.yml'}",
        f"--storage.tsdb.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with (directory / "prometheus.log").open("ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    server = Prometheus(f"http://127.0.0.1:{port}", process)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_ready(server: Prometheus, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while server.process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("prometheus did not become ready; see prometheus.log beside its config")


@dataclass(frozen=True)
class Target:
    """One query of a dashboard panel, its Grafana variables replaced by values."""

    panel: str
    ref: str
    expr: str
    legend: str


def dashboard_targets(variables: Mapping[str, str], path: Path = DASHBOARD) -> list[Target]:
    """Every panel query of the dashboard, as Grafana would send it to Prometheus.

    Raises:
        KeyError: a query uses a variable ``variables`` gives no value for.
    """
    panels = json.loads(path.read_text())["panels"]
    return [
        Target(panel["title"], target["refId"], substitute(target["expr"], variables), legend)
        for panel in panels
        for target in panel["targets"]
        for legend in [target.get("legendFormat", "")]
    ]


def substitute(expr: str, variables: Mapping[str, str]) -> str:
    """``expr`` with each ``$name`` / ``${name}`` / ``${name:format}`` replaced by its value."""
    return _VARIABLE.sub(lambda m: variables[m.group(1) or m.group(2)], expr)
