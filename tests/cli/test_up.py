import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from tests.cli.helpers import b2a, operator_env
from tests.services import free_port


@pytest.mark.slow
def test_up_runs_everything_with_a_private_redis_and_stops_cleanly(tmp_path):
    port = free_port()
    env = operator_env(
        tmp_path, f"sqlite:///{tmp_path}/b2a.sqlite3", f"redis://127.0.0.1:{free_port()}/0"
    )
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    clean = {k: v for k, v in os.environ.items() if not k.startswith("B2A_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "b2a", "up", "--host", "127.0.0.1", "--port", str(port)],
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = None
        for _ in range(150):
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert ready is not None and ready.status_code == 200
        head = httpx.head(f"http://127.0.0.1:{port}/login", timeout=5)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) > 0, "what GET would send"
        children = psutil.Process(proc.pid).children(recursive=True)
        commands = " ".join(" ".join(c.cmdline()) for c in children)
        assert "redis-server" in commands
        for name in ("serve", "worker", "whatsapp"):
            assert f"-m b2a {name}" in commands
        assert (tmp_path / "redis.sock").exists()
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert f"open http://127.0.0.1:{port}/" in output
    assert "b2a stopped" in output
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_up_refuses_a_taken_port_and_names_the_option(tmp_path):
    env = operator_env(tmp_path, f"sqlite:///{tmp_path}/b2a.sqlite3", "redis://127.0.0.1:1/0")
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = b2a(env, "up", "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode != 0
    assert f"port {port} is taken: choose another with --port" in result.stdout + result.stderr
