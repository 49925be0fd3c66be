"""The ``b2a`` command: the operator's front door.

Each group lives in its own module and is mounted here. Domain errors become one
red line with the fix and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from b2a.cli import backup, cleanup, doctor, init, run, tenants, tokens, users
from b2a.cli._runtime import err_console
from b2a.errors import B2AError, ConfigError, Conflict, Invalid, NotFound, Unavailable

app = typer.Typer(
    name="b2a",
    help="Run WhatsApp customer conversations for small businesses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(init.init)
app.command("migrate")(init.migrate)
app.command("doctor")(doctor.doctor)
app.command("cleanup")(cleanup.cleanup)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("serve")(run.serve)
app.command("worker")(run.worker)
app.command("whatsapp")(run.whatsapp)
app.command("up")(run.up)
app.add_typer(tenants.app, name="tenant")
app.add_typer(users.app, name="user")
app.add_typer(tokens.app, name="token")

EXIT_CODES: dict[type[B2AError], int] = {
    ConfigError: 78,
    Unavailable: 69,
    Invalid: 65,
    NotFound: 66,
    Conflict: 73,
}


# What the systemd units run, each given alone: started without Typer's parsing.
UNITS = {
    "serve": lambda: run.serve(host="", port=None),
    "worker": run.worker,
    "whatsapp": run.whatsapp,
}


def main() -> None:
    """Entry point of the console script and ``python -m b2a``.

    ``b2a serve``, ``b2a worker`` and ``b2a whatsapp`` with no options call their
    command directly: Typer's parsing builds pydantic validators (about 7 MiB) that
    a long-running process would keep for nothing (docs/decisions.md, "Each process
    imports what it uses"). With any option, or ``--help``, Typer parses as usual.
    """
    unit = UNITS.get(sys.argv[1]) if len(sys.argv) == 2 else None
    try:
        if unit:
            unit()
        else:
            app()
    except B2AError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        code = next((c for kind, c in EXIT_CODES.items() if isinstance(exc, kind)), 1)
        sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(130)
