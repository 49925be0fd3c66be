"""Do sign-up and forgot-password take the same time for an address with an account and without?

Starts ``b2a serve`` (a real process) on the given database and Redis with an
SMTP server configured, so both forms are offered, creates one business whose
owner is the "known" address, then posts each form ``--rounds`` times,
alternating a known and an unknown address so that both see the same machine
load, and prints the medians and the 10th/90th percentiles in milliseconds.
No worker runs: what is measured is the request a visitor waits for (the
answer by email is the worker's job and arrives whenever it arrives).

    PYTHONPATH=$PWD python -m bench.accounts --db-url postgresql://... \
        --redis-url redis://127.0.0.1:6379/3 --rounds 300
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench import harness

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
KNOWN = "owner@accounts-bench.test"


def _env(home: Path, db_url: str, redis_url: str) -> dict[str, str]:
    return {
        **harness.base_env(home, db_url, redis_url),
        # Configured, never reached: no worker runs, so nothing is sent.
        "B2A_SMTP_HOST": "127.0.0.1",
        "B2A_SMTP_PORT": str(harness.free_port()),
        "B2A_SMTP_FROM": "b2a <no-reply@accounts-bench.test>",
        "B2A_SMTP_SECURITY": "none",
        "B2A_AUTH_PER_IP_LIMIT": "1000000",
    }


def _b2a(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "b2a", *args],
        env=env,
        cwd=harness.ROOT,
        check=True,
        text=True,
        capture_output=True,
    )


def _post_timed(client: httpx.Client, path: str, data: dict[str, str]) -> float:
    page = client.get(path)
    token = CSRF.search(page.text)
    assert token, f"{path} has no form"
    started = time.perf_counter()
    answer = client.post(path, data={"_csrf": token.group(1), **data})
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return elapsed * 1000


FORMS = ("/forgot-password", "/signup")


def _forms(email: str) -> dict[str, dict[str, str]]:
    return {
        "/forgot-password": {"email": email},
        "/signup": {"business": "Bench Bakery", "email": email, "time_zone": "UTC"},
    }


def measure(base_url: str, rounds: int, paths: list[str]) -> dict[str, dict[str, list[float]]]:
    """Milliseconds per request, by form and by kind of address."""
    times: dict[str, dict[str, list[float]]] = {
        path: {"known": [], "unknown": []} for path in paths
    }
    with httpx.Client(base_url=base_url, headers={"Accept": "text/html"}) as client:
        for path in times:  # warm up: imports, prepared statements, the dummy work
            for email in (KNOWN, f"warm-{uuid.uuid4().hex}@nobody.test"):
                _post_timed(client, path, _forms(email)[path])
        for _ in range(rounds):
            for kind in ("known", "unknown"):
                email = KNOWN if kind == "known" else f"n{uuid.uuid4().hex[:12]}@nobody.test"
                for path in paths:
                    times[path][kind].append(_post_timed(client, path, _forms(email)[path]))
    return times


def _summary(values: list[float]) -> str:
    deciles = statistics.quantiles(values, n=10)
    return (
        f"median {statistics.median(values):.2f} ms (p10 {deciles[0]:.2f}, p90 {deciles[-1]:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--redis-url", required=True, help="a Redis database index to use")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--forms", nargs="+", default=list(FORMS), choices=FORMS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = _env(home, args.db_url, args.redis_url)
        _b2a(env, "migrate")
        _b2a(
            env,
            "tenant",
            "create",
            "Bench Known",
            "--admin-email",
            KNOWN,
            "--admin-password",
            "a long bench passphrase",
        )
        with harness.running_stack(env, home / "logs") as stack:
            stack.start("serve")
            times = measure(stack.base_url, args.rounds, args.forms)
    for path, kinds in times.items():
        known, unknown = kinds["known"], kinds["unknown"]
        gap = statistics.median(known) - statistics.median(unknown)
        print(f"{path}: {len(known)} + {len(unknown)} requests")
        print(f"  known address:   {_summary(known)}")
        print(f"  unknown address: {_summary(unknown)}")
        print(f"  median gap (known - unknown): {gap:+.2f} ms")


if __name__ == "__main__":
    main()
