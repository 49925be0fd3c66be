"""``b2a doctor``: whether this appliance is healthy, and the fix when it is not."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict

import typer

from b2a.cli._runtime import console, load_settings
from b2a.errors import ConfigError
from b2a.settings import merged_environment

MARKS = {"ok": "[green]✓[/green]", "warn": "[yellow]![/yellow]", "fail": "[red]✗[/red]"}


def doctor(
    json_output: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check config, database, Redis, processes, disk, public URL, AI, payments and stuck work.

    Exits 1 on any failure.
    """
    from rich.table import Table
    from rich.text import Text

    from b2a.ops.checks import Check, check_variables, run_checks

    try:
        settings = load_settings()
    except ConfigError as exc:
        checks = [Check("config", "fail", exc.message, "Fix the variable named above.")]
    else:
        checks = [
            Check("config", "ok", "settings load"),
            check_variables(merged_environment(os.environ)),
            *asyncio.run(run_checks(settings)),
        ]
    failed = any(not c.ok for c in checks)
    if json_output:
        print(json.dumps({"ok": not failed, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        table = Table("", "check", "result", "fix")
        for c in checks:
            # Text, not markup: a result may hold brackets ("b2a[otel]", "[::1]:5432").
            table.add_row(MARKS[c.level], Text(c.name), Text(c.detail), Text(c.fix))
        console.print(table)
    if failed:
        raise typer.Exit(1)
