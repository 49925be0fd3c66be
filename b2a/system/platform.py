"""Platform settings the super admin flips: account rules, the email server, growth tags.

Each concern is one ``SystemSetting`` row holding a msgspec shape as JSON; a
missing row or field means the default. The SMTP password is stored encrypted
with ``SecretBox`` and never read back to a page in full.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from piccolo.columns import Column

from b2a.audit import service as audit
from b2a.db import sql
from b2a.db.columns import json_value
from b2a.db.integrity import is_unique_violation
from b2a.errors import Invalid
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.settings import SmtpSettings
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor

ACCOUNTS = "accounts"
EMAIL = "email"
EMAIL_HEALTH = "email.health"
GROWTH = "growth"
GA_ID = re.compile(r"^G-[A-Z0-9]{4,20}$")
PIXEL_ID = re.compile(r"^[0-9]{5,20}$")
SECURITIES = ("starttls", "tls", "none")
# Read by every assistant turn (the AI settings): hand-written, not built by Piccolo.
_VALUE = sql.Statement("SELECT value FROM system_setting WHERE key = :key")


class AccountPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Who may create accounts and how they prove their address."""

    signup_enabled: bool = True
    password_reset_enabled: bool = True
    email_verification_required: bool = False


class EmailServer(msgspec.Struct, frozen=True, kw_only=True):
    """Where account emails go out; ``password`` is plaintext only in memory."""

    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = ""
    security: str = "starttls"

    @property
    def configured(self) -> bool:
        """Whether there is a server and a From address to send with."""
        return bool(self.host and self.sender)


class EmailHealth(msgspec.Struct, frozen=True, kw_only=True):
    """How the last account email went out; no record (``at`` empty) means not tried yet."""

    ok: bool = True
    at: str = ""
    problem: str = ""


class Growth(msgspec.Struct, frozen=True, kw_only=True):
    """Google Analytics and Facebook Pixel ids for the public pages, used only while enabled."""

    enabled: bool = False
    google_analytics_id: str = ""
    facebook_pixel_id: str = ""

    @property
    def google_analytics(self) -> str:
        """The measurement id to load, or "" when it must not load."""
        return self.google_analytics_id if self.enabled else ""

    @property
    def facebook_pixel(self) -> str:
        """The pixel id to load, or "" when it must not load."""
        return self.facebook_pixel_id if self.enabled else ""


async def read_setting(key: str) -> dict[str, Any]:
    """The stored value of one concern (empty when never set)."""
    row = await sql.fetchrow(_VALUE, key=key)
    value = json_value(row["value"]) if row else None
    return value if isinstance(value, dict) else {}


async def write_setting(actor: Actor, key: str, value: dict[str, Any]) -> None:
    """Store one concern's value, replacing the previous one.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    actor.require()
    stamp: dict[Column | str, Any] = {
        SystemSetting.value: value,
        SystemSetting.updated_at: clock.now(),
        SystemSetting.updated_by: actor.user_id,
    }
    if await SystemSetting.exists().where(SystemSetting.key == key):
        await SystemSetting.update(stamp).where(SystemSetting.key == key)
        return
    try:
        await SystemSetting(key=key, value=value, updated_by=actor.user_id).save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Another writer created the row first: write over it.
        await SystemSetting.update(stamp).where(SystemSetting.key == key)


def _decode(kind: type[Any], raw: dict[str, Any]) -> Any:
    # Unknown fields (written by a newer version) are ignored, missing ones take defaults.
    return msgspec.convert(raw, kind, strict=False)


async def account_policy() -> AccountPolicy:
    """The current sign-up, password-reset and email-verification rules."""
    policy: AccountPolicy = _decode(AccountPolicy, await read_setting(ACCOUNTS))
    return policy


async def set_account_policy(actor: Actor, policy: AccountPolicy) -> None:
    """Change the account rules.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    await write_setting(actor, ACCOUNTS, msgspec.to_builtins(policy))
    await audit.record(actor, "system.account_policy", **msgspec.to_builtins(policy))


async def email_server(box: SecretBox, fallback: SmtpSettings) -> EmailServer:
    """The SMTP server to send with: the super admin's, else the config file's."""
    raw = await read_setting(EMAIL)
    if raw.get("host"):
        password = raw.pop("password_encrypted", "")
        stored: EmailServer = _decode(EmailServer, raw)
        return msgspec.structs.replace(stored, password=box.decrypt(password) if password else "")
    return EmailServer(
        host=fallback.host,
        port=fallback.port,
        username=fallback.username,
        password=fallback.password,
        sender=fallback.sender,
        security=fallback.security,
    )


async def set_email_server(actor: Actor, server: EmailServer, box: SecretBox) -> None:
    """Store the SMTP server; the password is encrypted, an empty one keeps the stored one.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: the port or security mode is not usable.
    """
    if not 0 < server.port < 65536:
        raise Invalid("the SMTP port must be between 1 and 65535.", field="port")
    if server.security not in SECURITIES:
        raise Invalid("security must be starttls, tls or none.", field="security")
    value = msgspec.to_builtins(server)
    secret = value.pop("password")
    previous = (await read_setting(EMAIL)).get("password_encrypted", "")
    value["password_encrypted"] = box.encrypt(secret) if secret else previous
    await write_setting(actor, EMAIL, value)
    await write_setting(actor, EMAIL_HEALTH, {})  # a changed server has not been tried yet
    await audit.record(actor, "system.email_server", host=server.host, port=server.port)


async def email_health() -> EmailHealth:
    """How the last account email went (the worker records each delivery)."""
    found: EmailHealth = _decode(EmailHealth, await read_setting(EMAIL_HEALTH))
    return found


async def record_email_health(*, ok: bool, problem: str = "") -> None:
    """Remember how a delivery went, so a failing server stops being offered to visitors."""
    health = EmailHealth(ok=ok, at=clock.now().isoformat(), problem=problem)
    await write_setting(Actor.operator("worker"), EMAIL_HEALTH, msgspec.to_builtins(health))


async def growth() -> Growth:
    """The tags the public pages carry (none until the super admin enables them)."""
    found: Growth = _decode(Growth, await read_setting(GROWTH))
    return found


async def set_growth(actor: Actor, wanted: Growth) -> Growth:
    """Store the growth ids; each must have its vendor's shape, since it lands in a page.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: an id does not look like a GA4 measurement id or a pixel id.
    """
    cleaned = Growth(
        enabled=wanted.enabled,
        google_analytics_id=wanted.google_analytics_id.strip().upper(),
        facebook_pixel_id=wanted.facebook_pixel_id.strip(),
    )
    if cleaned.google_analytics_id and not GA_ID.match(cleaned.google_analytics_id):
        raise Invalid(
            "a Google Analytics measurement id is G- and 4 to 20 letters or digits, "
            "e.g. G-2K7QX91LMN (Admin → Data streams in Google Analytics).",
            field="google_analytics_id",
        )
    if cleaned.facebook_pixel_id and not PIXEL_ID.match(cleaned.facebook_pixel_id):
        raise Invalid("a Facebook Pixel id is 5 to 20 digits.", field="facebook_pixel_id")
    await write_setting(actor, GROWTH, msgspec.to_builtins(cleaned))
    await audit.record(actor, "system.growth", **msgspec.to_builtins(cleaned))
    return cleaned
