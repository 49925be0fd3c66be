"""The ``b2a`` command: the operator's front door.

Each group lives in its own module and is mounted here. Domain errors become one
red line with the fix and a non-zero exit code, never a traceback.

The Typer app is built on first use (``b2a.cli.app``): ``b2a serve``, ``b2a worker``
and ``b2a whatsapp`` given alone, as the systemd units run them, start from
``units.py`` without Typer, rich or pydantic (Typer's parsing builds pydantic
validators), which a long-running process would hold for nothing (docs/decisions.md,
"Each process imports what it uses").
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from b2a.errors import B2AError, ConfigError, Conflict, Invalid, NotFound, Unavailable

if TYPE_CHECKING:
    import typer

    app: typer.Typer

UNITS = ("serve", "worker", "whatsapp")

EXIT_CODES: dict[type[B2AError], int] = {
    ConfigError: 78,
    Unavailable: 69,
    Invalid: 65,
    NotFound: 66,
    Conflict: 73,
}


def _build_app() -> typer.Typer:
    import typer

    from b2a.cli import backup, cleanup, doctor, init, run, tenants, tokens, units, users

    root = typer.Typer(
        name="b2a",
        help="Run WhatsApp customer conversations for small businesses.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    root.command("init")(init.init)
    root.command("migrate")(init.migrate)
    root.command("doctor")(doctor.doctor)
    root.command("cleanup")(cleanup.cleanup)
    root.command("backup")(backup.backup)
    root.command("restore")(backup.restore)
    root.command("serve")(run.serve)
    root.command("worker")(units.worker)
    root.command("whatsapp")(units.whatsapp)
    root.command("up")(run.up)
    root.add_typer(tenants.app, name="tenant")
    root.add_typer(users.app, name="user")
    root.add_typer(tokens.app, name="token")
    return root


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(name)
    built = globals()["app"] = _build_app()
    return built


def main() -> None:
    """Entry point of the console script and ``python -m b2a``."""
    try:
        if len(sys.argv) == 2 and sys.argv[1] in UNITS:
            from b2a.cli import units

            getattr(units, sys.argv[1])()
        else:
            from b2a.cli import app

            app()
    except B2AError as exc:
        from rich.markup import escape

        from b2a.cli._runtime import err_console

        # Escaped: a message may hold brackets (pip install 'b2a[otel]') that are not markup.
        err_console.print(f"[red]error:[/red] {escape(exc.message)}", highlight=False)
        code = next((c for kind, c in EXIT_CODES.items() if isinstance(exc, kind)), 1)
        sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(130)
