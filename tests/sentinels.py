"""A Redis master, its replica and three Sentinels on loopback, started and stopped by a test.

Debian's ``redis-sentinel`` is ``redis-server`` started in Sentinel mode, so
``redis-server CONF --sentinel`` is the same program without the extra
package. Everything listens on free loopback ports in a temporary directory,
never on the machine's own Redis. The master and the Sentinels have passwords,
as a production setup should, so the test also proves b2a sends both.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.services import _port_open, free_port

MASTER_NAME = "b2amaster"
DATA_PASSWORD = "data-secret"
SENTINEL_PASSWORD = "sentinel-secret"
QUORUM = 2
DOWN_AFTER_MS = 1000
"""How long a silent master is taken for up (Debian's default is 30 s)."""
FAILOVER_TIMEOUT_MS = 3000


@dataclass
class Topology:
    """The running servers; ``master`` is whichever the Sentinels last promoted."""

    root: Path
    servers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    sentinel_ports: list[int] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """What b2a needs to use this topology (the URL's host is ignored behind Sentinels)."""
        return {
            "B2A_REDIS_URL": f"redis://:{DATA_PASSWORD}@{MASTER_NAME}/0",
            "B2A_REDIS_SENTINELS": ",".join(f"127.0.0.1:{p}" for p in self.sentinel_ports),
            "B2A_REDIS_SENTINEL_MASTER": MASTER_NAME,
            "B2A_REDIS_SENTINEL_PASSWORD": SENTINEL_PASSWORD,
        }

    def sentinel(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, password=SENTINEL_PASSWORD, decode_responses=True)

    def master_port(self) -> int:
        """The master's port as the first Sentinel sees it."""
        with self.sentinel(self.sentinel_ports[0]) as client:
            _, port = client.sentinel_get_master_addr_by_name(MASTER_NAME)
        return int(port)

    def data_url(self, port: int) -> str:
        return f"redis://:{DATA_PASSWORD}@127.0.0.1:{port}/0"

    def kill(self, port: int) -> None:
        """SIGKILL a data server, as a crashed host would leave it (no goodbye to anyone)."""
        process = self.servers.pop(port)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def wait_for_master(self, not_port: int, timeout: float = 30.0) -> int:
        """The new master's port once every Sentinel agrees it is not ``not_port``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = set()
            for port in self.sentinel_ports:
                with contextlib.suppress(redis.RedisError), self.sentinel(port) as client:
                    seen.add(int(client.sentinel_get_master_addr_by_name(MASTER_NAME)[1]))
            if len(seen) == 1 and not_port not in seen:
                return seen.pop()
            time.sleep(0.05)
        raise RuntimeError(f"the Sentinels did not elect a new master in {timeout:.0f} s")

    def wait_for_role(self, port: int, role: str, timeout: float = 30.0) -> None:
        """Until the data server on ``port`` says it is a ``master`` or a ``slave``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(redis.RedisError),
                redis.Redis.from_url(self.data_url(port)) as client,
            ):
                if client.info("replication")["role"] == role:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the server on {port} did not become {role} in {timeout:.0f} s")

    def wait_until_watched(self, replica: int, timeout: float = 30.0) -> None:
        """The replica is in sync and every Sentinel knows it and the other two Sentinels."""
        deadline = time.monotonic() + timeout
        while not self._watched(replica):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Sentinels are not watching; see the logs in {self.root}")
            time.sleep(0.1)

    def _watched(self, replica: int) -> bool:
        try:
            with redis.Redis.from_url(self.data_url(replica)) as client:
                if client.info("replication")["master_link_status"] != "up":
                    return False
            for port in self.sentinel_ports:
                with self.sentinel(port) as client:
                    state = client.sentinel_master(MASTER_NAME)
                if int(state["num-slaves"]) != 1 or int(state["num-other-sentinels"]) != 2:
                    return False
        except redis.RedisError:
            return False
        return True


def _binary() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server not found: run ./setup.sh --test to install it")
    return binary


def _start(root: Path, name: str, port: int, argv: list[str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        argv, cwd=root, stdout=(root / f"{name}.log").open("ab"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while not _port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start; see {root / name}.log")
        time.sleep(0.02)
    return process


def _data_server(root: Path, port: int, *replica_of: str) -> list[str]:
    argv = [_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root)]
    argv += ["--save", "", "--appendonly", "no", "--dbfilename", f"dump-{port}.rdb"]
    argv += ["--requirepass", DATA_PASSWORD, "--masterauth", DATA_PASSWORD]
    # Redis 7 waits 5 s before a first full sync, in case more replicas come; one does not.
    argv += ["--repl-diskless-sync-delay", "0"]
    if replica_of:
        argv += ["--replicaof", *replica_of]
    return argv


def _sentinel_config(root: Path, port: int, master_port: int) -> Path:
    path = root / f"sentinel-{port}.conf"
    path.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {root}\n"
        f"requirepass {SENTINEL_PASSWORD}\n"
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} {QUORUM}\n"
        f"sentinel auth-pass {MASTER_NAME} {DATA_PASSWORD}\n"
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n"
        f"sentinel parallel-syncs {MASTER_NAME} 1\n"
    )
    return path


@contextlib.contextmanager
def sentinel_topology(root: Path) -> Iterator[Topology]:
    """Master, replica and three Sentinels under ``root``, all stopped afterwards."""
    root.mkdir(parents=True, exist_ok=True)
    topology = Topology(root)
    try:
        master, replica = free_port(), free_port()
        topology.servers[master] = _start(root, "master", master, _data_server(root, master))
        topology.servers[replica] = _start(
            root, "replica", replica, _data_server(root, replica, "127.0.0.1", str(master))
        )
        for n in range(3):
            port = free_port()
            config = _sentinel_config(root, port, master)
            argv = [_binary(), str(config), "--sentinel"]
            topology.servers[port] = _start(root, f"sentinel-{n}", port, argv)
            topology.sentinel_ports.append(port)
        topology.wait_until_watched(replica)
        yield topology
    finally:
        for process in topology.servers.values():
            process.terminate()
        for process in topology.servers.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
