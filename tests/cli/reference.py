"""Render the ``b2a`` command reference from the commands' own help.

Regenerate docs/cli.md with ``.venv/bin/python -m tests.cli.reference > docs/cli.md``;
tests/cli/test_reference.py fails while the file is stale.
"""

from __future__ import annotations

import click
import typer.main
from typer.testing import CliRunner

from b2a.cli import app

HEADER = """# b2a command reference

Generated from `--help` by `python -m tests.cli.reference > docs/cli.md`; a test fails when it is
stale.
"""


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(click.Context(command))):
            sub = command.get_command(click.Context(command), name)
            if sub is not None:
                found += _walk(sub, [*path, name])
    return found


def render() -> str:
    root = typer.main.get_command(app)
    runner = CliRunner()
    parts = [HEADER]
    for path, _ in _walk(root, ["b2a"]):
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
