"""``b2a init`` and ``b2a migrate``: prepare an appliance without ever destroying data."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import typer

from b2a.cli._runtime import console, load_settings, run_with_db
from b2a.settings import config_path, parse_env_file


def _encryption_key() -> str:
    from b2a.lib.crypto import generate_key

    return generate_key()


GENERATED_SECRETS = {
    "B2A_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "B2A_ENCRYPTION_KEY": _encryption_key,
}


def write_config(path: Path, environ: dict[str, str]) -> list[str]:
    """Create the config file, or add the secrets it lacks; returns the names added.

    Existing values are never changed: rotating a key is a deliberate act.
    """
    existing = parse_env_file(path.read_text()) if path.exists() else {}
    added = [
        name
        for name in GENERATED_SECRETS
        if not existing.get(name) and not environ.get(name) and not environ.get(f"{name}_FILE")
    ]
    if not added and path.exists():
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [] if path.exists() else ["# b2a configuration; see docs/configuration.md"]
    lines += [f"{name}={GENERATED_SECRETS[name]()}" for name in added]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return added


def init(
    admin_email: str = typer.Option(
        "", "--admin-email", help="Email of the first super admin (asked if missing)."
    ),
    admin_password: str = typer.Option(
        "",
        "--admin-password",
        envvar="B2A_ADMIN_PASSWORD",
        help="Their password; generated and shown once if omitted.",
    ),
) -> None:
    """Create the config, apply migrations and the first super admin; safe to run again."""
    from b2a.billing.plans import ensure_free_plan
    from b2a.db.statistics import refresh_statistics
    from b2a.schema.migrate import apply_pending, migration_ids
    from b2a.tenants import service as tenants
    from b2a.tenants.actor import Actor
    from b2a.tenants.rules import Role

    path = config_path(os.environ)
    added = write_config(path, dict(os.environ))
    if added:
        console.print(f"[green]✓[/green] wrote {', '.join(added)} to {path} (mode 0600)")
    else:
        console.print(f"[green]✓[/green] config {path} already has its secrets")
    settings = load_settings()
    settings.core.home.mkdir(parents=True, exist_ok=True)

    async def work() -> None:
        with console.status("applying migrations…"):
            applied = await apply_pending()
        console.print(
            f"[green]✓[/green] schema: {len(applied)} migration(s) applied, "
            f"{len(migration_ids())} in total"
        )
        _report_statistics(await refresh_statistics())
        free = await ensure_free_plan()
        console.print(f"[green]✓[/green] free plan: {free.name}")
        if await tenants.has_super_admin():
            console.print("[green]✓[/green] a super admin already exists")
            return
        email = admin_email or _ask_email()
        login = await tenants.create_user(
            Actor.operator("b2a init"),
            email,
            password=admin_password or None,
            role=Role.SUPER_ADMIN,
        )
        console.print(f"[green]✓[/green] super admin {login.email} created")
        if login.password:
            console.print(f"  password (shown once): [bold]{login.password}[/bold]")

    run_with_db(settings, work)


def _ask_email() -> str:
    if not sys.stdin.isatty():
        return "admin@localhost.localdomain"
    return str(typer.prompt("Email of the first super admin"))


def migrate() -> None:
    """Apply pending migrations and list them; then refresh the planner's statistics."""
    from b2a.db.statistics import refresh_statistics
    from b2a.schema.migrate import apply_pending

    settings = load_settings()

    async def work() -> None:
        applied = await apply_pending()
        if not applied:
            console.print("[green]✓[/green] schema is up to date")
        for migration_id in applied:
            console.print(f"[green]✓[/green] applied {migration_id}")
        _report_statistics(await refresh_statistics())

    run_with_db(settings, work)


def _report_statistics(analysed: list[str]) -> None:
    if analysed:
        console.print(f"[green]✓[/green] planner statistics: analysed {', '.join(analysed)}")
