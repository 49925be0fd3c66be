from pathlib import Path

from tests.cli.reference import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_the_cli_reference_matches_the_commands():
    assert DOC.read_text() == render(), (
        "docs/cli.md is stale: run .venv/bin/python -m tests.cli.reference > docs/cli.md"
    )
