"""The Jinja environment of the web UI; templates and static files ship inside the wheel."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from b2a import __version__
from b2a.catalog.money import format_amount, format_price
from b2a.lib import clock
from b2a.lib.phone import display_phone

SERVER_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = SERVER_DIR / "templates"
STATIC_DIR = SERVER_DIR / "static"
HTMX = "vendor/htmx-2.0.11.min.js"


def static_url(path: str) -> str:
    """The address of a static file, versioned so a new release is never served stale."""
    return f"/static/{path}?v={__version__}"


@pass_context
def localtime(
    context: Context, value: datetime | None, fmt: str = "%d %b %Y %H:%M", zone: bool = False
) -> str:
    """A stored (UTC) time as the reader's wall clock: the business's time zone, ``tz`` in the page.

    ``zone=True`` names the zone after it ("14:30 PKT"). A page without ``tz``
    (the operator's panel, which spans businesses) reads UTC and always says so.
    """
    if value is None:
        return ""
    given: Any = context.get("tz")
    shown = given if isinstance(given, ZoneInfo) else ZoneInfo("UTC")
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone(shown)
    text = local.strftime(fmt)
    return f"{text} {local.strftime('%Z')}" if zone or given is None else text


def _local(context: Context, value: datetime) -> datetime:
    given: Any = context.get("tz")
    shown = given if isinstance(given, ZoneInfo) else ZoneInfo("UTC")
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(shown)


@pass_context
def shortwhen(context: Context, value: datetime | None) -> str:
    """When, as a chat list says it: today's as the time, yesterday's by name, older as a date."""
    if value is None:
        return ""
    local, today = _local(context, value), _local(context, clock.now()).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if (today - local.date()).days == 1:
        return "Yesterday"
    return local.strftime("%d %b" if local.year == today.year else "%d %b %Y")


@pass_context
def day_label(context: Context, value: datetime) -> str:
    """A thread's day separator in the reader's zone: Today, Yesterday, or the date."""
    local, today = _local(context, value), _local(context, clock.now()).date()
    days = (today - local.date()).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    return local.strftime("%A %d %B" if local.year == today.year else "%A %d %B %Y")


def environment() -> Environment:
    """Autoescaping everywhere; an undefined name is an error, not an empty string."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the wheel and change only with a release (a restart); checking
        # every included file's mtime cost a stat per row and message of the inbox.
        auto_reload=False,
    )
    env.globals.update(static=static_url, htmx=static_url(HTMX), version=__version__)
    env.filters["money"] = format_amount
    env.filters["price"] = format_price
    env.filters["localtime"] = localtime
    env.filters["phone"] = display_phone
    env.filters["shortwhen"] = shortwhen
    env.filters["day_label"] = day_label
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The app's template configuration."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
