from pathlib import Path

import typer.main

from b2a.cli import app
from tests.cli.reference import command_paths, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_the_cli_reference_matches_the_commands():
    assert DOC.read_text() == render(), (
        "docs/cli.md is stale: run .venv/bin/python -m tests.cli.reference > docs/cli.md"
    )


def test_the_reference_documents_every_subcommand_with_its_options():
    text = render()
    paths = command_paths(typer.main.get_command(app), ["b2a"])
    assert ["b2a", "tenant", "create"] in paths and ["b2a", "token", "revoke"] in paths
    for path in paths:
        assert f"## `{' '.join(path)}`" in text
    up = text.split("## `b2a up`")[1].split("## ")[0]
    assert "--port" in up and "--host" in up
