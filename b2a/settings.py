"""The appliance's one settings object, built by a pure function.

Every setting is declared once below, in a frozen dataclass per concern, with its
environment variable, default and one-line description. ``load_settings`` turns a
mapping (the environment merged over the config file) into ``Settings``; tests pass
a plain dict and never touch ``os.environ``. ``docs/configuration.md`` and
``deploy/b2a.env.example`` are checked against these declarations by the tests.

Rules: booleans accept only true/false spellings; URLs must parse; every secret may
instead be given as ``<NAME>_FILE`` naming a file that holds it; production mode
refuses to start while a secret is missing or still a placeholder.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from b2a.errors import ConfigError

PLACEHOLDER = "change-me"
PRODUCTION_CONFIG = Path("/etc/b2a/b2a.env")
CONFIG_FILENAME = "b2a.env"


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false.")


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None


def _parse_seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds.") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} must not be negative.")
    return value


def _url_parser(*schemes: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip()
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ConfigError(
                f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)};"
                f" got {parts.scheme or 'no scheme'}."
            )
        if parts.scheme != "sqlite" and parts.scheme != "unix" and not parts.hostname:
            raise ConfigError(f"{name}={value!r} has no host name.")
        return value

    return parse


def _choice_parser(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ConfigError(f"{name}={raw!r} must be one of: {', '.join(choices)}.")
        return value

    return parse


def _parse_addresses(name: str, raw: str) -> tuple[tuple[str, int], ...]:
    """``host:port,host:port`` (``[::1]:port`` for IPv6; the port defaults to Sentinel's 26379)."""
    addresses = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        parts = urlsplit(f"//{item}")
        try:
            port = parts.port or 26379
        except ValueError:
            raise ConfigError(f"{name}: {item!r} has no valid port; write host:port.") from None
        if not parts.hostname or parts.path or parts.username:
            raise ConfigError(f"{name}: {item!r} is not host:port; separate addresses by commas.")
        addresses.append((parts.hostname, port))
    return tuple(addresses)


def _parse_str(name: str, raw: str) -> str:
    return raw.strip()


def _parse_path(name: str, raw: str) -> Path:
    return Path(raw.strip()).expanduser()


def setting(
    env: str,
    description: str,
    default: str = "",
    parse: Callable[[str, str], Any] = _parse_str,
    *,
    secret: bool = False,
) -> Any:
    """Declare one setting: its variable, its description and how to read it.

    ``default`` is raw text, parsed like a value from the environment; ``{home}``
    in it stands for the data directory.
    """
    return field(
        metadata={
            "env": env,
            "description": description,
            "default": default,
            "parse": parse,
            "secret": secret,
        }
    )


@dataclass(frozen=True)
class CoreSettings:
    """Where the appliance lives and the keys it signs and encrypts with."""

    env: str = setting(
        "B2A_ENV",
        "development or production; production refuses placeholder secrets.",
        "development",
        _choice_parser("development", "production"),
    )
    home: Path = setting(
        "B2A_HOME",
        "Data directory: SQLite file, media, private Redis socket, session state.",
        "~/.local/share/b2a",
        _parse_path,
    )
    secret_key: str = setting(
        "B2A_SECRET_KEY",
        "Signs sessions and CSRF tokens; long and random.",
        secret=True,
    )
    encryption_key: str = setting(
        "B2A_ENCRYPTION_KEY",
        "Fernet key(s) for secrets at rest, comma-separated, newest first (rotation).",
        secret=True,
    )
    log_level: str = setting(
        "B2A_LOG_LEVEL",
        "Log level of every process: debug, info, warning or error.",
        "info",
        _choice_parser("debug", "info", "warning", "error"),
    )
    log_format: str = setting(
        "B2A_LOG_FORMAT",
        "text (one line per record) or json (one JSON object per line, with the request,"
        " tenant and job ids).",
        "text",
        _choice_parser("text", "json"),
    )

    @property
    def is_production(self) -> bool:
        """Whether the strict production rules apply."""
        return self.env == "production"

    @property
    def media_root(self) -> Path:
        """Where message media lives, one directory per tenant."""
        return self.home / "media"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the relational data lives."""

    url: str = setting(
        "B2A_DB_URL",
        "sqlite:///path/file.sqlite3 or postgresql://user:pass@host:port/db.",
        "sqlite:///{home}/b2a.sqlite3",
        _url_parser("sqlite", "postgres", "postgresql"),
        secret=True,
    )
    pool_max: int = setting(
        "B2A_DB_POOL_MAX",
        "Largest PostgreSQL connection pool per process; connections open as the load needs them.",
        "10",
        _parse_int,
    )
    statement_cache: bool = setting(
        "B2A_DB_STATEMENT_CACHE",
        "Prepared-statement cache; turned off by itself behind a transaction-mode pooler.",
        "true",
        _parse_bool,
    )
    direct_url: str = setting(
        "B2A_DB_DIRECT_URL",
        "PostgreSQL's own address for `b2a backup` and `b2a restore` when B2A_DB_URL goes"
        " through a transaction-mode pooler; empty: B2A_DB_URL.",
        "",
        _url_parser("postgres", "postgresql"),
        secret=True,
    )

    @property
    def is_sqlite(self) -> bool:
        """Whether the embedded SQLite engine is in use."""
        return self.url.startswith("sqlite:")

    @property
    def dump_url(self) -> str:
        """Where pg_dump and pg_restore connect: PostgreSQL itself, never a transaction pooler."""
        return self.direct_url or self.url

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: ``sqlite:////abs/path`` or ``sqlite:///relative/path``."""
        return Path(urlsplit(self.url).path[1:])


@dataclass(frozen=True)
class RedisSettings:
    """Where the job queue, sessions, leases and rate limits live."""

    url: str = setting(
        "B2A_REDIS_URL",
        "redis://host:port/db or unix:///path/redis.sock; `b2a up` starts its own if unreachable.",
        "redis://127.0.0.1:6379/0",
        _url_parser("redis", "rediss", "unix"),
        secret=True,
    )
    sentinels: tuple[tuple[str, int], ...] = setting(
        "B2A_REDIS_SENTINELS",
        "Comma-separated host:port of Redis Sentinels; when set they name the master, and"
        " B2A_REDIS_URL gives only its password and db.",
        "",
        _parse_addresses,
    )
    sentinel_master: str = setting(
        "B2A_REDIS_SENTINEL_MASTER",
        "The name the Sentinels monitor the master under (`sentinel monitor NAME …`).",
        "mymaster",
    )
    sentinel_password: str = setting(
        "B2A_REDIS_SENTINEL_PASSWORD",
        "Password of the Sentinels themselves (their requirepass); empty when they have none.",
        "",
        secret=True,
    )


@dataclass(frozen=True)
class ServerSettings:
    """The HTTP server: API, web UI and webhooks."""

    host: str = setting("B2A_SERVER_HOST", "Address `b2a serve` binds to.", "127.0.0.1")
    port: int = setting("B2A_SERVER_PORT", "Port `b2a serve` listens on.", "8000", _parse_int)
    public_url: str = setting(
        "B2A_SERVER_PUBLIC_URL",
        "Public https:// address of this appliance (webhooks, links in emails); optional.",
        "",
        _url_parser("http", "https"),
    )
    trusted_proxies: str = setting(
        "B2A_SERVER_TRUSTED_PROXIES",
        "Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto are believed.",
        "127.0.0.1",
    )

    @property
    def behind_tls(self) -> bool:
        """Whether the public address is https (cookies Secure, HSTS sent)."""
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class AuthSettings:
    """Web sign-in: sessions and login rate limits (SPEC §7)."""

    session_idle_minutes: int = setting(
        "B2A_AUTH_SESSION_IDLE_MINUTES",
        "A web session ends after this many minutes without a request.",
        "720",
        _parse_int,
    )
    session_max_hours: int = setting(
        "B2A_AUTH_SESSION_MAX_HOURS",
        "A web session ends this many hours after login, however active.",
        "168",
        _parse_int,
    )
    per_ip_limit: int = setting(
        "B2A_AUTH_PER_IP_LIMIT",
        "Login, sign-up and password-reset requests one IP address may make per 15 minutes.",
        "30",
        _parse_int,
    )
    password_hash_cost: str = setting(
        "B2A_AUTH_PASSWORD_HASH_COST",
        "Cost of new argon2id password hashes: standard (64 MiB, 3 passes) or minimal (tests).",
        "standard",
        _choice_parser("standard", "minimal"),
    )


@dataclass(frozen=True)
class SmtpSettings:
    """Outgoing email; the super admin's email settings in the web UI take precedence."""

    host: str = setting(
        "B2A_SMTP_HOST", "SMTP server for account emails; empty = use the admin's settings.", ""
    )
    port: int = setting("B2A_SMTP_PORT", "SMTP server port.", "587", _parse_int)
    username: str = setting("B2A_SMTP_USERNAME", "SMTP login; empty = no authentication.", "")
    password: str = setting("B2A_SMTP_PASSWORD", "SMTP password.", "", secret=True)
    sender: str = setting(
        "B2A_SMTP_FROM", "From address of account emails, e.g. b2a <no-reply@example.com>.", ""
    )
    security: str = setting(
        "B2A_SMTP_SECURITY",
        "starttls (port 587), tls (port 465) or none (a local relay).",
        "starttls",
        _choice_parser("starttls", "tls", "none"),
    )


@dataclass(frozen=True)
class WorkerSettings:
    """The SAQ worker."""

    concurrency: int = setting(
        "B2A_WORKER_CONCURRENCY", "Jobs one worker process runs at once.", "20", _parse_int
    )
    batch_wait_ms: int = setting(
        "B2A_WORKER_BATCH_WAIT_MS",
        "How long the worker gathers accepted messages to store them together (at most one"
        " per job slot).",
        "5",
        _parse_int,
    )
    heartbeat_seconds: int = setting(
        "B2A_WORKER_HEARTBEAT_SECONDS",
        "How often worker and session processes report they are alive.",
        "10",
        _parse_int,
    )


@dataclass(frozen=True)
class SendingSettings:
    """Outbound pacing and retries (SPEC §4): WhatsApp blocks numbers that send too fast."""

    per_customer: int = setting(
        "B2A_SEND_PER_CUSTOMER",
        "Most messages one customer receives per B2A_SEND_CUSTOMER_WINDOW_SECONDS; 0 = no limit.",
        "10",
        _parse_int,
    )
    customer_window_seconds: float = setting(
        "B2A_SEND_CUSTOMER_WINDOW_SECONDS",
        "The window of the per-customer limit.",
        "60",
        _parse_seconds,
    )
    per_number_per_second: int = setting(
        "B2A_SEND_PER_NUMBER_PER_SECOND",
        "Most Cloud API messages one phone number sends per second (Meta's default is 80).",
        "80",
        _parse_int,
    )
    retry_delay_seconds: float = setting(
        "B2A_SEND_RETRY_DELAY_SECONDS",
        "Wait before the second attempt of a failed send; each later attempt waits 4 times longer.",
        "5",
        _parse_seconds,
    )
    attempts: int = setting(
        "B2A_SEND_ATTEMPTS",
        "Attempts of a send that fails transiently before it goes to the dead-letter list.",
        "3",
        _parse_int,
    )


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp session process (`b2a whatsapp`)."""

    lease_seconds: int = setting(
        "B2A_WHATSAPP_LEASE_SECONDS",
        "Lifetime of a session process's claim on a tenant; renewed at a third of it.",
        "30",
        _parse_int,
    )
    graph_url: str = setting(
        "B2A_WHATSAPP_GRAPH_URL",
        "Base URL of Meta's Graph API (Cloud API); change only for a test double.",
        "https://graph.facebook.com",
        _url_parser("http", "https"),
    )
    max_sessions: int = setting(
        "B2A_WHATSAPP_MAX_SESSIONS",
        "Most tenant sessions one `b2a whatsapp` process holds.",
        "50",
        _parse_int,
    )
    typing_delay_ms: int = setting(
        "B2A_WHATSAPP_TYPING_DELAY_MS",
        "WhatsApp-Web: milliseconds of 'typing…' before each send; 0 in tests and benchmarks.",
        "1200",
        _parse_int,
    )
    send_timeout_seconds: float = setting(
        "B2A_WHATSAPP_SEND_TIMEOUT_SECONDS",
        "WhatsApp-Web: how long a send waits for the session process before it is retried.",
        "30",
        _parse_seconds,
    )


@dataclass(frozen=True)
class RetentionSettings:
    """What `b2a cleanup` keeps and for how long."""

    audit_days: int = setting(
        "B2A_RETENTION_AUDIT_DAYS", "Days audit entries are kept before cleanup.", "90", _parse_int
    )
    scheduled_days: int = setting(
        "B2A_RETENTION_SCHEDULED_DAYS",
        "Days sent and failed scheduled messages are kept.",
        "30",
        _parse_int,
    )
    inbound_event_days: int = setting(
        "B2A_RETENTION_INBOUND_EVENT_DAYS",
        "Days raw webhook and session events are kept once processed (Meta redelivers for 7).",
        "14",
        _parse_int,
    )


@dataclass(frozen=True)
class BillingSettings:
    """Subscription billing (SPEC §8); Stripe keys are platform settings, stored encrypted."""

    stripe_api_url: str = setting(
        "B2A_BILLING_STRIPE_API_URL",
        "Base URL of Stripe's API; change only for a test double.",
        "https://api.stripe.com",
        _url_parser("http", "https"),
    )
    grace_days: int = setting(
        "B2A_BILLING_GRACE_DAYS",
        "Days a PAST_DUE subscription keeps AI and sending before they are suspended.",
        "7",
        _parse_int,
    )
    reminder_days: int = setting(
        "B2A_BILLING_REMINDER_DAYS",
        "Days before a manually paid period ends that its tenant admins are reminded to renew.",
        "7",
        _parse_int,
    )


@dataclass(frozen=True)
class MetricsSettings:
    """Prometheus metrics: who may read ``/metrics`` and where this host's processes share them."""

    token: str = setting(
        "B2A_METRICS_TOKEN",
        "Bearer token that lets any address read /metrics; empty: loopback clients only.",
        secret=True,
    )
    directory: Path = setting(
        "B2A_METRICS_DIR",
        "Directory where this host's b2a processes share their metrics (one per host).",
        "{home}/metrics",
        _parse_path,
    )


@dataclass(frozen=True)
class TracingSettings:
    """OpenTelemetry tracing (the ``b2a[otel]`` extra): off, on stdout, or to a collector."""

    mode: str = setting(
        "B2A_TRACING",
        "off, console (spans as JSON lines on stdout, for local use) or otlp (to a collector"
        " over OTLP/HTTP); console and otlp need pip install 'b2a[otel]'.",
        "off",
        _choice_parser("off", "console", "otlp"),
    )
    endpoint: str = setting(
        "B2A_TRACING_ENDPOINT",
        "The collector's OTLP/HTTP base URL (spans go to its /v1/traces); empty: the standard"
        " OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318.",
        "",
        _url_parser("http", "https"),
    )


@dataclass(frozen=True)
class Settings:
    """Everything the appliance is configured with, grouped by concern."""

    core: CoreSettings
    db: DatabaseSettings
    redis: RedisSettings
    server: ServerSettings
    auth: AuthSettings
    smtp: SmtpSettings
    worker: WorkerSettings
    sending: SendingSettings
    whatsapp: WhatsAppSettings
    retention: RetentionSettings
    billing: BillingSettings
    metrics: MetricsSettings
    tracing: TracingSettings


_GROUP_CLASSES: dict[str, type] = {
    "core": CoreSettings,
    "db": DatabaseSettings,
    "redis": RedisSettings,
    "server": ServerSettings,
    "auth": AuthSettings,
    "smtp": SmtpSettings,
    "worker": WorkerSettings,
    "sending": SendingSettings,
    "whatsapp": WhatsAppSettings,
    "retention": RetentionSettings,
    "billing": BillingSettings,
    "metrics": MetricsSettings,
    "tracing": TracingSettings,
}


def declared_settings() -> Iterator[dataclasses.Field[Any]]:
    """Every declared setting field, in documentation order."""
    for group in _GROUP_CLASSES.values():
        yield from dataclasses.fields(group)


# B2A_ variables read outside the settings: where the config file is, and the CLI's passwords.
OTHER_VARIABLES = frozenset({"B2A_CONFIG", "B2A_ADMIN_PASSWORD", "B2A_USER_PASSWORD"})


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``B2A_*`` names nothing reads, such as a misspelt setting that is silently ignored."""
    known = set(OTHER_VARIABLES)
    for f in declared_settings():
        known.add(f.metadata["env"])
        if f.metadata["secret"]:
            known.add(f"{f.metadata['env']}_FILE")
    return sorted(name for name in environ if name.startswith("B2A_") and name not in known)


def _raw_value(spec: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    name = spec["env"]
    if spec["secret"] and environ.get(f"{name}_FILE"):
        path = Path(environ[f"{name}_FILE"])
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={path} cannot be read: {exc.strerror}.") from None
    return environ.get(name)


def _group(cls: type, environ: Mapping[str, str], home: str) -> Any:
    values = {}
    for f in dataclasses.fields(cls):
        spec = f.metadata
        raw = _raw_value(spec, environ)
        if raw is None or (raw == "" and spec["default"]):
            raw = spec["default"].replace("{home}", home)
        values[f.name] = spec["parse"](spec["env"], raw)
    return cls(**values)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build ``Settings`` from a mapping of variables.

    Raises:
        ConfigError: a value does not parse, or production mode has a missing or
            placeholder secret. The message names the variable and the fix.
    """
    home_spec = CoreSettings.__dataclass_fields__["home"].metadata
    home = str(_parse_path("B2A_HOME", environ.get("B2A_HOME") or home_spec["default"]))
    groups = {name: _group(cls, environ, home) for name, cls in _GROUP_CLASSES.items()}
    settings = Settings(**groups)
    _check_sentinels(settings.redis)
    if settings.core.is_production:
        _refuse_placeholder_secrets(settings)
        _refuse_test_costs(settings)
    return settings


def _check_sentinels(redis: RedisSettings) -> None:
    if not redis.sentinels:
        return
    if redis.url.startswith("unix:"):
        raise ConfigError(
            "B2A_REDIS_SENTINELS is set but B2A_REDIS_URL is a unix socket: the Sentinels name"
            " a master by address, so write B2A_REDIS_URL=redis://:PASSWORD@MASTER-NAME/0"
            " (its host is ignored, its password and db are used)."
        )


def _refuse_test_costs(settings: Settings) -> None:
    if settings.auth.password_hash_cost != "standard":
        raise ConfigError(
            "B2A_AUTH_PASSWORD_HASH_COST=minimal makes passwords cheap to guess; it is for "
            "test suites only: remove it from the production configuration."
        )


def _refuse_placeholder_secrets(settings: Settings) -> None:
    for name in ("core", "db", "redis", "metrics"):
        group = getattr(settings, name)
        for f in dataclasses.fields(group):
            if not f.metadata["secret"]:
                continue
            value = getattr(group, f.name)
            env = f.metadata["env"]
            if f.name in ("secret_key", "encryption_key") and not value:
                raise ConfigError(
                    f"{env} is required in production: run `b2a init` "
                    f"or set it in {PRODUCTION_CONFIG}."
                )
            if PLACEHOLDER in str(value):
                raise ConfigError(
                    f"{env} still holds the placeholder {PLACEHOLDER!r}: replace it in "
                    f"{PRODUCTION_CONFIG} (or `b2a init` generates one)."
                )


def parse_env_file(text: str) -> dict[str, str]:
    """Read ``KEY=value`` lines as systemd's EnvironmentFile does (comments, quotes)."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"line {number} of the config file is not KEY=value: {stripped!r}.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def config_path(environ: Mapping[str, str]) -> Path:
    """Where the config file is: ``B2A_CONFIG``, then /etc/b2a/b2a.env, then the data dir."""
    if environ.get("B2A_CONFIG"):
        return Path(environ["B2A_CONFIG"]).expanduser()
    if PRODUCTION_CONFIG.exists():
        return PRODUCTION_CONFIG
    home_default = CoreSettings.__dataclass_fields__["home"].metadata["default"]
    return Path(environ.get("B2A_HOME") or home_default).expanduser() / CONFIG_FILENAME


def merged_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The config file's values with the process environment laid over them."""
    path = config_path(environ)
    try:
        file_values = parse_env_file(path.read_text()) if path.exists() else {}
    except PermissionError:
        raise ConfigError(
            f"{path} is not readable by this user: run as the b2a user (sudo -u b2a …)."
        ) from None
    return {**file_values, **environ}


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Load the settings the way every process does: config file, then environment."""
    return load_settings(merged_environment(os.environ if environ is None else environ))
