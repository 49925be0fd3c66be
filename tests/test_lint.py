"""Style is part of the build: ruff (lint and format) and mypy on the package."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "b2a", "tests", "bench")
    assert result.returncode == 0, result.stdout


def test_code_is_ruff_formatted():
    result = _run(str(BIN / "ruff"), "format", "--check", "b2a", "tests", "bench")
    assert result.returncode == 0, result.stdout


def test_the_package_is_mypy_clean():
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout
