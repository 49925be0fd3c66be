"""``b2a backup`` and ``b2a restore``: one archive out, the same install back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from b2a.cli._runtime import console, err_console, load_settings


def backup(
    to: Path | None = typer.Option(
        None, "--to", help="Directory for the archive (default: $B2A_HOME/backups)."
    ),
    keep: int = typer.Option(
        0, "--keep", min=0, help="Keep only the newest N archives in that directory (0: all)."
    ),
) -> None:
    """Write one archive: the database, media, payment screenshots and a manifest."""
    from b2a.ops.archive import KEY_NOTE
    from b2a.ops.backup import default_target, make_backup

    settings = load_settings()
    target = to or default_target(settings)
    with console.status("backing up…"):
        result = asyncio.run(make_backup(settings, target, keep=keep))
    manifest = result.manifest
    console.print(
        f"[green]✓[/green] {result.path} ({result.size / 1024 / 1024:.1f} MiB): "
        f"{manifest.database} database at schema {manifest.schema_version}, "
        f"{result.data_files} file(s)"
    )
    for path in result.pruned:
        console.print(f"  removed the older {path.name}")
    console.print(f"[yellow]![/yellow] {KEY_NOTE}", highlight=False)


def restore(
    archive: Path = typer.Argument(..., help="An archive written by `b2a backup`."),
) -> None:
    """Restore an archive into an empty database and data home, then migrate."""
    from b2a.ops.restore import restore_backup

    settings = load_settings()
    with console.status("checking and restoring…"):
        result = asyncio.run(restore_backup(settings, archive))
    manifest = result.manifest
    console.print(
        f"[green]✓[/green] restored the {manifest.database} database of {manifest.created_at} "
        f"(b2a {manifest.b2a_version}, schema {manifest.schema_version}) and "
        f"{result.files} file(s); every checksum matched"
    )
    for migration_id in result.migrations_applied:
        console.print(f"[green]✓[/green] applied {migration_id}")
    if not result.key_matches:
        err_console.print(
            "[yellow]warning:[/yellow] B2A_ENCRYPTION_KEY here is not the key this backup's "
            "secrets were encrypted with: set the old key (you may list it after a new one, "
            "comma-separated) or re-enter WhatsApp tokens, AI and Stripe keys and the SMTP "
            "password.",
            highlight=False,
        )
