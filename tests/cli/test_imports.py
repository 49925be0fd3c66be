"""Each process imports only the libraries it uses (issue 18: memory at rest).

Memory itself is measured by ``python -m bench.rest``, never asserted here; these
tests guard the imports that cost it (docs/performance.md, "Memory at rest"). Each
command starts for real in a subprocess, without secrets, so it stops with exit 78
right after its module-level imports; the modules it loaded are read at exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import atexit, json, runpy, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules))))
sys.argv = ["b2a", *sys.argv[1:]]
runpy.run_module("b2a", run_name="__main__")
"""
# Never idle in a running process: Stripe's library (imported at the first Stripe call),
# Piccolo's migration tools with black, the WhatsApp-Web library, the FAQ typo matcher,
# Typer (the units start from b2a/cli/units.py), and OpenTelemetry's tracing (B2A_TRACING is
# off). redis-py itself imports OpenTelemetry's metrics SDK whenever the b2a[otel] extra is
# installed (docs/decisions.md, "Tracing"), so only the tracing side is b2a's to keep out.
NO_PROCESS_HOLDS = {
    "stripe",
    "black",
    "piccolo.conf.apps",
    "neonize",
    "rapidfuzz",
    "typer",
    "b2a.lib.otel",
    "opentelemetry.sdk.trace",
}
# The web stack, and pydantic (which Litestar's plugins and Typer's parsing import).
WEB_ONLY = {"litestar", "jinja2", "uvicorn", "pydantic"}


def _without_extra(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``b2a ARGS`` as if the ``b2a[otel]`` extra were not installed."""
    blocked = "import sys; sys.modules['opentelemetry'] = None\n" + PROBE
    return subprocess.run(
        [sys.executable, "-c", blocked, *args], env=env, capture_output=True, text=True, timeout=120
    )


def loaded_by(tmp_path: Path, *args: str) -> set[str]:
    """The modules ``b2a ARGS`` had imported when it exited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("B2A_")}
    env |= {"B2A_HOME": str(tmp_path), "B2A_CONFIG": str(tmp_path / "b2a.env")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = 0 if "--help" in args else 78  # 78: no secrets, after the imports
    assert done.returncode == expected, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("command", ["worker", "whatsapp"])
def test_the_worker_and_the_session_process_load_no_web_stack(tmp_path, command):
    modules = loaded_by(tmp_path, command)
    assert "b2a.worker.settings" in modules or "b2a.session.process" in modules
    assert not modules & (NO_PROCESS_HOLDS | WEB_ONLY)


def test_the_session_process_loads_no_http_client(tmp_path):
    # It reads Cloud API credentials' shape but never calls out (the worker sends). click
    # would come with httpx (its own command line) or Typer; rich is not checked, since the
    # probe's exit prints the missing secrets with it.
    assert not loaded_by(tmp_path, "whatsapp") & {"httpx", "click"}


def test_the_web_server_loads_no_billing_migration_or_session_library(tmp_path):
    modules = loaded_by(tmp_path, "serve")
    assert "b2a.server.app" in modules
    assert not modules & NO_PROCESS_HOLDS


def test_the_cli_help_loads_no_database_or_web_library(tmp_path):
    modules = loaded_by(tmp_path, "--help")
    database_and_queue = {"piccolo", "asyncpg", "redis", "saq"}
    assert not modules & ((NO_PROCESS_HOLDS - {"typer"}) | WEB_ONLY | database_and_queue)


@pytest.mark.parametrize("command", ["serve", "worker", "whatsapp"])
def test_tracing_on_without_the_extra_stops_the_process_with_the_command_that_installs_it(
    tmp_path, command
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("B2A_")}
    env |= {
        "B2A_HOME": str(tmp_path),
        "B2A_CONFIG": str(tmp_path / "b2a.env"),
        "B2A_SECRET_KEY": "s" * 32,
        "B2A_ENCRYPTION_KEY": "3q2-7wBEqf-qvUJtkNhaEAIYbT1cT7jvf3W-NY8tBUc=",
        "B2A_TRACING": "otlp",
    }
    done = _without_extra([command], env)
    assert done.returncode == 78, done.stderr
    assert "pip install 'b2a[otel]'" in " ".join(done.stderr.split()), done.stderr
