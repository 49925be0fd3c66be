"""Run the real ``b2a`` command in a subprocess, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def b2a(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m b2a ARGS`` with only the given B2A_* variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("B2A_")}
    return subprocess.run(
        [sys.executable, "-m", "b2a", *args],
        env={**clean, "COLUMNS": "200", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def operator_env(home: Path, db_url: str, redis_url: str) -> dict[str, str]:
    """A fresh appliance: its own data dir and config file, no secrets yet."""
    return {
        "B2A_HOME": str(home),
        "B2A_CONFIG": str(home / "b2a.env"),
        "B2A_DB_URL": db_url,
        "B2A_REDIS_URL": redis_url,
        "B2A_AUTH_PASSWORD_HASH_COST": "minimal",
    }
