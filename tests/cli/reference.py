"""Render the ``b2a`` command reference from the help of every command and subcommand.

Regenerate docs/cli.md with ``.venv/bin/python -m tests.cli.reference > docs/cli.md``;
tests/cli/test_reference.py fails while the file is stale.
"""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from b2a.cli import app

HEADER = """# b2a command reference

Every command and subcommand with its options, generated from their `--help`. Regenerate it after
changing a command with `.venv/bin/python -m tests.cli.reference > docs/cli.md`;
tests/cli/test_reference.py fails while it is stale.
"""


def command_paths(command: Any, path: list[str]) -> list[list[str]]:
    """Every command and subcommand under ``command``, in the order ``--help`` lists them.

    Typer builds on its own copy of click, so groups are found by their
    ``commands`` mapping rather than by click's ``Group`` class.
    """
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            found += command_paths(sub, [*path, name])
    return found


def render() -> str:
    root = typer.main.get_command(app)
    runner = CliRunner()
    parts = [HEADER]
    for path in command_paths(root, ["b2a"]):
        result = runner.invoke(
            app,
            [*path[1:], "--help"],
            prog_name="b2a",
            env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"},
        )
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
