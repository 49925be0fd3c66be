"""Locate, or start, the real PostgreSQL and Redis the tests talk to.

Order of preference: the URL in B2A_TEST_PG_URL / B2A_TEST_REDIS_URL, then the
services on their standard loopback ports, then throwaway servers started here in
a temporary directory (stopped when the session ends).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found: run ./setup.sh --test to install PostgreSQL")
    return path


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _psql_ok(url: str) -> bool:
    psql = shutil.which("psql")
    if not psql:
        return _port_open(5432)
    result = subprocess.run([psql, url, "-Atc", "select 1"], capture_output=True, timeout=10)
    return result.returncode == 0


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an admin URL (database ``postgres``) of a reachable PostgreSQL server."""
    if os.environ.get("B2A_TEST_PG_URL"):
        yield os.environ["B2A_TEST_PG_URL"]
        return
    standard = "postgresql://postgres@127.0.0.1:5432/postgres"
    if _port_open(5432) and _psql_ok(standard):
        yield standard
        return
    with start_postgres() as url:
        yield url


@contextlib.contextmanager
def start_postgres(password: str | None = None) -> Iterator[str]:
    """A throwaway PostgreSQL cluster in a temp dir; with ``password``, scram auth is enforced."""
    tmp = Path(tempfile.mkdtemp(prefix="b2a-pg-"))
    os.chmod(tmp, 0o777)
    data = tmp / "data"
    port = free_port()
    auth = ["--auth=trust"]
    if password is not None:
        pwfile = tmp / "pw"
        pwfile.write_text(password)
        os.chmod(pwfile, 0o644)
        auth = ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
    subprocess.run(
        _as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", *auth]),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_postgres(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(tmp / "log"),
                "-o",
                f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        credentials = "postgres" if password is None else f"postgres:{password}"
        yield f"postgresql://{credentials}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Yield the base URL (no db index) of a reachable Redis server."""
    if os.environ.get("B2A_TEST_REDIS_URL"):
        yield os.environ["B2A_TEST_REDIS_URL"].rstrip("/")
        return
    if _port_open(6379):
        yield "redis://127.0.0.1:6379"
        return
    with start_redis() as url:
        yield url


@contextlib.contextmanager
def start_redis(port: int | None = None) -> Iterator[str]:
    """A private redis-server on a free port, stopped afterwards."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server not found: run ./setup.sh --test to install it")
    port = port or free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _port_open(port):
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def start_pgbouncer(
    server_url: str, *, pool_mode: str = "transaction", pool_size: int = 5
) -> Iterator[str]:
    """A private PgBouncer (Debian's package) in front of ``server_url``'s PostgreSQL.

    Yields its URL with the same database name; any other name also passes through.
    ``pool_size`` server connections per database and user are shared by up to 500
    clients, so a small pool multiplexes for real. Runs as the postgres user when
    we are root (PgBouncer refuses root), from a temp dir it can write.
    """
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        raise RuntimeError("pgbouncer not found: run ./setup.sh --test to install it")
    server = urlsplit(server_url)
    tmp = Path(tempfile.mkdtemp(prefix="b2a-pgbouncer-"))
    os.chmod(tmp, 0o777)
    port = free_port()
    user = server.username or "postgres"
    password = f" password={server.password}" if server.password else ""
    (tmp / "users.txt").write_text(f'"{user}" ""\n')
    config = tmp / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={server.hostname} port={server.port or 5432} user={user}{password}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {tmp / 'users.txt'}\n"
        f"pool_mode = {pool_mode}\ndefault_pool_size = {pool_size}\nmax_client_conn = 500\n"
        f"logfile = {tmp / 'pgbouncer.log'}\n"
    )
    for path in tmp.iterdir():
        os.chmod(path, 0o644)
    proc = subprocess.Popen(
        _as_postgres([binary, str(config)]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while not _port_open(port):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"pgbouncer did not start; see {tmp / 'pgbouncer.log'}")
        time.sleep(0.05)
    try:
        yield server._replace(netloc=f"{user}@127.0.0.1:{port}").geturl()
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
