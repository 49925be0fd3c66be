"""``b2a tenant …``: create, list, suspend, activate and delete tenants."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from b2a.cli._runtime import console, load_settings, run_with_db
from b2a.tenants.rules import TenantStatus

if TYPE_CHECKING:
    from b2a.tenants.actor import Actor

app = typer.Typer(help="Manage the businesses hosted here.", no_args_is_help=True)


def _operator() -> Actor:
    from b2a.tenants.actor import Actor

    return Actor.operator("cli")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Business name."),
    admin_email: str = typer.Option(..., "--admin-email", help="Email of its first admin."),
    admin_password: str = typer.Option(
        "", "--admin-password", envvar="B2A_ADMIN_PASSWORD", help="Generated if omitted."
    ),
    time_zone: str = typer.Option("UTC", "--time-zone", help="IANA name, e.g. Asia/Karachi."),
    currency: str = typer.Option(
        "", "--currency", help="ISO 4217 code, e.g. PKR; the time zone's country's if omitted."
    ),
) -> None:
    """Create a tenant and its first admin, and print how they log in."""
    from b2a.tenants import service as tenants

    async def work() -> None:
        tenant, login = await tenants.create_tenant(
            _operator(),
            name,
            admin_email=admin_email,
            admin_password=admin_password or None,
            time_zone=time_zone,
            currency=currency,
        )
        console.print(f"[green]✓[/green] tenant {tenant.name} ({tenant.slug}) created: {tenant.id}")
        console.print(f"  time zone {tenant.time_zone}, prices in {tenant.currency}")
        console.print(f"  admin login: {login.email}")
        if login.password:
            console.print(f"  password (shown once, change it after logging in): {login.password}")

    run_with_db(load_settings(), work)


@app.command("list")
def list_(
    json_output: bool = typer.Option(False, "--json", help="Machine-readable output."),
    include_deleted: bool = typer.Option(False, "--all", help="Include soft-deleted tenants."),
) -> None:
    """List tenants with their status and number of users."""
    from rich.table import Table
    from rich.text import Text

    from b2a.tenants import service as tenants

    rows = run_with_db(
        load_settings(), lambda: tenants.list_tenants(include_deleted=include_deleted)
    )
    if json_output:
        print(json.dumps([{**asdict(r), "id": str(r.id)} for r in rows], indent=2))
        return
    table = Table("slug", "name", "status", "users", "created", "id")
    for r in rows:
        table.add_row(r.slug, Text(r.name), r.status, str(r.users), r.created_at, str(r.id))
    console.print(table)


def _set_status(ref: str, status: TenantStatus) -> None:
    from b2a.tenants import service as tenants

    async def work() -> None:
        tenant = await tenants.find_tenant(ref)
        await tenants.set_tenant_status(_operator(), tenant.id, status)
        console.print(f"[green]✓[/green] {tenant.slug} is now {status.value}")

    run_with_db(load_settings(), work)


@app.command("suspend")
def suspend(ref: str = typer.Argument(..., help="Tenant id or slug.")) -> None:
    """Stop a tenant's AI and sending; its data is kept."""
    _set_status(ref, TenantStatus.SUSPENDED)


@app.command("activate")
def activate(ref: str = typer.Argument(..., help="Tenant id or slug.")) -> None:
    """Lift a suspension or undo a soft delete."""
    _set_status(ref, TenantStatus.ACTIVE)


@app.command("delete")
def delete(
    ref: str = typer.Argument(..., help="Tenant id or slug."),
    hard: bool = typer.Option(False, "--hard", help="Erase every row and file of the tenant."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (with --hard)."),
) -> None:
    """Soft-delete a tenant, or erase it for good with --hard."""
    if not hard:
        _set_status(ref, TenantStatus.DELETED)
        return
    from b2a.privacy.tenants import erase_tenant
    from b2a.tenants import service as tenants

    settings = load_settings()

    async def work() -> None:
        tenant = await tenants.find_tenant(ref)
        if not yes:
            typer.confirm(
                f"Erase {tenant.name} ({tenant.slug}) and all its data? This cannot be undone",
                abort=True,
            )
        await erase_tenant(_operator(), tenant.id, media_root=settings.core.media_root)
        console.print(f"[green]✓[/green] {tenant.slug} erased")

    run_with_db(settings, work)
