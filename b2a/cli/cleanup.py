"""``b2a cleanup``: the retention run (also a daily systemd timer and worker cron)."""

from __future__ import annotations

from b2a.cli._runtime import console, load_settings, run_with_db


def cleanup() -> None:
    """Remove (and archive where promised) data past its retention period."""
    from rich.table import Table

    from b2a.system.retention import run_retention

    settings = load_settings()
    with console.status("applying retention…"):
        removed = run_with_db(settings, lambda: run_retention(settings))
    table = Table("rule", "removed")
    for rule, count in removed.items():
        table.add_row(rule.replace("_", " "), str(count))
    console.print(table)
