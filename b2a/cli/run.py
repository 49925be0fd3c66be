"""``b2a serve | worker | whatsapp | up``: the long-running processes.

systemd calls the first three (their bodies are in ``units.py``, free of Typer);
``up`` runs all three as children for a laptop or a demo, with a private Redis when
none answers (never behind Sentinels: that would split the data).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import typer

from b2a.cli import units
from b2a.cli._runtime import console, err_console
from b2a.errors import ConfigError
from b2a.settings import RedisSettings, settings_from_environment

STOP_TIMEOUT = 45


def serve(
    host: str = typer.Option("", "--host", help="Bind address (default B2A_SERVER_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (default B2A_SERVER_PORT)."),
) -> None:
    """Run the web server: API, web UI, webhooks, health."""
    units.serve(host, port)


def _redis_answers(settings: RedisSettings) -> bool:
    from b2a.lib import redis as redis_lib

    async def ping() -> bool:
        client = redis_lib.connect(settings, timeout=1)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()

    try:
        return asyncio.run(ping())
    except Exception:
        return False


def _start_private_redis(
    home: Path, configured: RedisSettings
) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if not binary:
        raise ConfigError("no Redis answers and redis-server is not installed: run ./setup.sh.")
    sock = home / "redis.sock"
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(home),
        ],
        stdout=subprocess.DEVNULL,
        # Its own session: Ctrl-C reaches the b2a processes, which need Redis to shut down
        # cleanly; `up` stops Redis last.
        start_new_session=True,
    )
    url = f"unix://{sock}"
    deadline = time.monotonic() + 10
    while not _redis_answers(dataclasses.replace(configured, url=url)):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise ConfigError(f"the private redis-server did not start in {home}.")
        time.sleep(0.1)
    return proc, url


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) != 0


def up(
    host: str = typer.Option("", "--host", help="Bind address (default B2A_SERVER_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (default B2A_SERVER_PORT)."),
) -> None:
    """Run server, worker and WhatsApp process together until Ctrl-C."""
    env = dict(os.environ)
    # The children read their settings from the environment, like every b2a process.
    if host:
        env["B2A_SERVER_HOST"] = host
    if port:
        env["B2A_SERVER_PORT"] = str(port)
    settings = settings_from_environment(env)
    units.require_secrets(settings)
    home = settings.core.home
    home.mkdir(parents=True, exist_ok=True)
    if not _port_free(settings.server.host, settings.server.port):
        raise ConfigError(
            f"port {settings.server.port} is taken: choose another with --port, "
            "or stop what uses it."
        )
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    # Behind Sentinels a private Redis would split the data: wait for the master instead.
    if not settings.redis.sentinels and not _redis_answers(settings.redis):
        redis_proc, url = _start_private_redis(home, settings.redis)
        children.append(("redis", redis_proc))
        env["B2A_REDIS_URL"] = url
        console.print(f"started a private Redis at {url}")
    for name in ("serve", "worker", "whatsapp"):
        proc = subprocess.Popen([sys.executable, "-m", "b2a", name], env=env)
        children.append((name, proc))
    address = f"http://{settings.server.host}:{settings.server.port}/"
    console.print(f"[bold green]b2a is running:[/bold green] open {address}  (Ctrl-C stops it)")
    code = _supervise(children)
    raise typer.Exit(code)


def _supervise(children: list[tuple[str, subprocess.Popen[bytes]]]) -> int:
    stop = {"requested": False}

    def request_stop(*_: object) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    failed = ""
    while not stop["requested"] and not failed:
        failed = next((n for n, p in children if p.poll() is not None), "")
        time.sleep(0.2)
    if failed:
        err_console.print(f"[red]{failed} exited unexpectedly; stopping the others[/red]")
    # Stop the b2a processes before the Redis they depend on.
    for _, proc in reversed(children):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
    console.print("b2a stopped")
    return 1 if failed else 0
