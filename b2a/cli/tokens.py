"""``b2a token …``: REST API tokens for a user, created, listed and revoked by the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from b2a.cli._runtime import console, load_settings, run_with_db

if TYPE_CHECKING:
    from b2a.tenants.actor import Actor

app = typer.Typer(help="Manage REST API tokens.", no_args_is_help=True)


def _operator() -> Actor:
    from b2a.tenants.actor import Actor

    return Actor.operator("cli")


@app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="The user the token acts as."),
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. 'crm sync'."),
) -> None:
    """Create an API token; prints it once (only its hash is kept)."""
    from b2a.tenants import api_tokens

    new = run_with_db(
        load_settings(), lambda: api_tokens.create_api_token(_operator(), email, name=name)
    )
    console.print(f"[green]✓[/green] token {new.name!r} created for {email} (id {new.id})")
    console.print(f"  token (shown once): {new.token}", soft_wrap=True)
    console.print("  send it as the header  Authorization: Bearer <token>")


@app.command("list")
def list_(
    email: str = typer.Option(..., "--email", help="Whose tokens to list."),
) -> None:
    """List a user's tokens: name, prefix, last use, revocation."""
    from rich.table import Table
    from rich.text import Text

    from b2a.tenants import api_tokens

    rows = run_with_db(load_settings(), lambda: api_tokens.list_api_tokens(_operator(), email))
    table = Table("id", "name", "prefix", "created", "last used", "revoked")
    for r in rows:
        table.add_row(
            str(r.id),
            Text(r.name),
            r.prefix,
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "never",
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
        )
    console.print(table)


@app.command("revoke")
def revoke(
    token: str = typer.Argument(..., help="The token's id or its prefix (as `list` shows)."),
) -> None:
    """Revoke a token at once; requests using it are refused from now on."""
    from b2a.tenants import api_tokens

    row = run_with_db(load_settings(), lambda: api_tokens.revoke_api_token(_operator(), token))
    console.print(f"[green]✓[/green] token {row.name!r} of {row.email} revoked")
