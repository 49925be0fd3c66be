"""``b2a user …``: accounts from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from b2a.cli._runtime import console, load_settings, run_with_db
from b2a.tenants.rules import Role

if TYPE_CHECKING:
    from b2a.settings import Settings
    from b2a.tenants.actor import Actor

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


def _operator() -> Actor:
    from b2a.tenants.actor import Actor

    return Actor.operator("cli")


@app.command("create")
def create(
    email: str = typer.Argument(..., help="Login email."),
    role: Role = typer.Option(Role.STAFF, "--role", help="SUPER_ADMIN, TENANT_ADMIN or STAFF."),
    tenant: str = typer.Option("", "--tenant", help="Tenant id or slug (not for SUPER_ADMIN)."),
    password: str = typer.Option(
        "", "--password", envvar="B2A_USER_PASSWORD", help="Generated if omitted."
    ),
    name: str = typer.Option("", "--name", help="Display name."),
) -> None:
    """Create a user; prints a generated password once."""
    if role is not Role.SUPER_ADMIN and not tenant:
        raise typer.BadParameter("--tenant is required for this role", param_hint="--tenant")
    from b2a.tenants import service as tenants

    async def work() -> None:
        actor = _operator()
        if role is not Role.SUPER_ADMIN:
            actor = actor.within((await tenants.find_tenant(tenant)).id)
        login = await tenants.create_user(
            actor, email, password=password or None, role=role, name=name
        )
        console.print(f"[green]✓[/green] {role.value} {login.email} created")
        if login.password:
            console.print(f"  password (shown once): {login.password}")

    run_with_db(load_settings(), work)


@app.command("reset-password")
def reset_password(
    email: str = typer.Argument(..., help="Login email."),
    password: str = typer.Option(
        "", "--password", envvar="B2A_USER_PASSWORD", help="Generated if omitted."
    ),
    link: bool = typer.Option(
        False,
        "--link",
        help="Print a one-time reset link to send the user instead (they choose the password).",
    ),
) -> None:
    """Set a new password for a user (their web sessions end), or print a reset link."""
    from b2a.lib import redis as redis_lib
    from b2a.tenants import service as tenants

    settings = load_settings()
    if link:
        run_with_db(settings, lambda: _print_reset_link(settings, email))
        return

    async def work() -> None:
        redis = redis_lib.connect(settings.redis)
        try:
            login = await tenants.reset_password(
                _operator(), email, redis=redis, password=password or None
            )
        finally:
            await redis.aclose()
        console.print(f"[green]✓[/green] password of {login.email} changed")
        if login.password:
            console.print(f"  new password (shown once): {login.password}")

    run_with_db(settings, work)


async def _print_reset_link(settings: Settings, email: str) -> None:
    from b2a.tenants import recovery

    server = settings.server
    base_url = server.public_url or f"http://{server.host}:{server.port}"
    made = await recovery.create_reset_link(_operator(), base_url, email)
    console.print(
        f"[green]✓[/green] reset link for {email.strip()} (works once, for {made.valid_for}):"
    )
    console.print(f"  {made.url}", soft_wrap=True)
