"""``b2a backup`` and ``b2a restore``, run as the operator runs them, on PostgreSQL and SQLite.

A populated install (two businesses, every table, message media, a payment screenshot, an audit
archive) is backed up, restored into a fresh install (a new empty database and data home), and
every row of every table and every file is found again, byte for byte.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import asyncpg

from b2a.audit.archive import archive_and_prune
from b2a.billing import config, coupons, manual, plans
from b2a.billing.rules import CouponKind
from b2a.billing.schemas import CouponIn, LocalPayments
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.schema.migrate import migration_ids
from b2a.system.tables import SystemSetting
from tests.cli.helpers import b2a, operator_env
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET
from tests.integration.billing.conftest import METHODS, OPERATOR, PNG, pro_plan
from tests.integration.test_privacy import _every_table_filled

OTHER_KEY = "Hc0k9mJXk9m8sZ2b6yH1Z4w2m7iO0u1mYt5Xv8qZx3A="


def _env(home: Path, db_url: str, redis_url: str, base_env: dict[str, str]) -> dict[str, str]:
    keys = {k: base_env[k] for k in ("B2A_SECRET_KEY", "B2A_ENCRYPTION_KEY")}
    return {**operator_env(home, db_url, redis_url), **keys}


def _fresh_db(db, make_database, home: Path) -> str:
    return make_database() if db.kind == "postgres" else f"sqlite:///{home}/b2a.sqlite3"


async def _populate(cast, home: Path, encryption_key: str) -> None:
    """Two businesses through the real code: every table, media, a receipt, archived audit."""
    media = home / "media"
    await _every_table_filled(cast.acme_owner, media)
    await SystemSetting(key="switches", value={"ai_enabled": True}).save()
    plan = await plans.create_plan(OPERATOR, pro_plan())
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    await config.set_stripe_keys(
        OPERATOR,
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        box=SecretBox(encryption_key),
    )
    await coupons.create_coupon(
        OPERATOR, CouponIn(code="PKR500", kind=CouponKind.FIXED, value=50000, currency="PKR")
    )
    await manual.submit_manual_payment(
        cast.globex_owner.actor,
        manual.ManualPaymentIn(
            plan_id=str(plan.id), method="easypaisa", sender_name="Bilal Ahmed",
            sender_number="+92 300 7654321", reference="TID-4411", screenshot=PNG,
            coupon_code="PKR500",
        ),
        media_root=media,
    )  # fmt: skip
    # The audit entries so far go to $B2A_HOME/archive, as retention would move them.
    await archive_and_prune(clock.now() + timedelta(seconds=1), home / "archive")
    await _every_table_filled(cast.globex_owner, media)


async def _contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table the database holds, in a stable order."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return {}
        conn = sqlite3.connect(path)
        try:
            names = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )]  # fmt: skip
            return {n: sorted(conn.execute(f'SELECT * FROM "{n}"'), key=repr) for n in names}
        finally:
            conn.close()
    pg = await asyncpg.connect(url)
    try:
        names = [
            r[0]
            for r in await pg.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {
            n: sorted((tuple(r.values()) for r in await pg.fetch(f'SELECT * FROM "{n}"')), key=repr)
            for n in names
        }
    finally:
        await pg.close()


def _files(home: Path) -> dict[str, bytes]:
    return {
        p.relative_to(home).as_posix(): p.read_bytes()
        for folder in ("media", "archive")
        for p in sorted((home / folder).rglob("*"))
        if p.is_file()
    }


def _archive(backups: Path) -> Path:
    [path] = sorted(backups.glob("b2a-backup-*.tar"))
    return path


async def test_a_populated_install_comes_back_whole_in_a_fresh_one(
    cast, db, tmp_path, make_database, redis_url, base_env
):
    home = tmp_path / "old"
    source = _env(home, db.url, redis_url, base_env)
    await _populate(cast, home, base_env["B2A_ENCRYPTION_KEY"])
    rows, files = await _contents(db.url), _files(home)
    assert [name for name, table in rows.items() if not table] == []
    assert any("/billing/" in name for name in files), "a payment screenshot"
    assert any(name.endswith(".png") and "/billing/" not in name for name in files), "media"
    assert any(name.startswith("archive/audit-until-") for name in files), "archived audit"

    made = b2a(source, "backup", "--to", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    assert "B2A_ENCRYPTION_KEY" in made.stdout and "does not contain" in made.stdout
    archive = _archive(tmp_path / "backups")
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["schema_version"] == migration_ids()[-1]
    assert manifest["database"] == ("postgresql" if db.kind == "postgres" else "sqlite")
    assert base_env["B2A_ENCRYPTION_KEY"] not in archive.read_bytes().decode("latin-1")

    new_home = tmp_path / "new"
    target = _env(new_home, _fresh_db(db, make_database, new_home), redis_url, base_env)
    restored = b2a(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "every checksum matched" in restored.stdout and "warning" not in restored.stderr

    assert await _contents(target["B2A_DB_URL"]) == rows
    assert _files(new_home) == files
    # The restored install works: new rows take new ids, and it refuses to be restored over.
    created = b2a(target, "tenant", "create", "Initech", "--admin-email", "boss@initech.test")
    assert created.returncode == 0, created.stderr
    again = b2a(target, "restore", str(archive))
    assert again.returncode == 73
    assert "restores only into an empty database" in again.stderr


def _rewritten(archive: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of the archive with each member's bytes passed through ``change``."""
    with tarfile.open(archive) as old, tarfile.open(out, "w") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return out


def _newer_schema(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["schema_version"] = "2099-01-01T00:00:00:000000"
    manifest["migrations"].append(manifest["schema_version"])
    manifest["b2a_version"] = "9.0.0"
    return json.dumps(manifest).encode()


def _flipped(name: str, data: bytes) -> bytes:
    if not name.startswith("files/media/"):
        return data
    return data[:-1] + bytes([data[-1] ^ 1])


async def test_restore_refuses_what_it_cannot_restore_safely(
    cast, db, tmp_path, make_database, redis_url, base_env
):
    home = tmp_path / "old"
    await _every_table_filled(cast.acme_owner, home / "media")
    made = b2a(_env(home, db.url, redis_url, base_env), "backup", "--to", str(tmp_path / "b"))
    assert made.returncode == 0, made.stderr
    archive = _archive(tmp_path / "b")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases = {
        "newer": (
            _rewritten(archive, tmp_path / "newer.tar", _newer_schema),
            73,
            "this backup's schema is 2099-01-01T00:00:00:000000 (made by b2a 9.0.0), newer than "
            "this b2a 0.1.0 knows",
        ),
        "flipped": (
            _rewritten(archive, tmp_path / "flipped.tar", _flipped),
            65,
            "does not match its checksum in the manifest",
        ),
        "cut": (cut, 65, "cut short"),
    }
    for name, (bad, code, words) in cases.items():
        new_home = tmp_path / name
        target = _env(new_home, _fresh_db(db, make_database, new_home), redis_url, base_env)
        refused = b2a(target, "restore", str(bad))
        assert refused.returncode == code, (name, refused.stderr)
        assert words in " ".join(refused.stderr.split()), (name, refused.stderr)
        assert "upgrade b2a to 9.0.0 or later first" in refused.stderr or name != "newer"
        assert await _contents(target["B2A_DB_URL"]) == {}, name
        assert _files(new_home) == {}, name


async def test_an_older_backup_is_migrated_after_the_restore_and_a_key_mismatch_is_named(
    tmp_path, redis_url, base_env
):
    older = migration_ids()[-2]
    home = tmp_path / "old"
    source = _env(home, f"sqlite:///{home}/b2a.sqlite3", redis_url, base_env)
    script = (
        "import asyncio\n"
        "from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager\n"
        "from b2a.db.engine import bind_engine, create_engine\n"
        "from b2a.schema.tables import all_tables\n"
        "from b2a.settings import settings_from_environment\n"
        "bind_engine(create_engine(settings_from_environment().db), all_tables())\n"
        f"asyncio.run(ForwardsMigrationManager(app_name='b2a', migration_id='{older}').run())\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("B2A_")}
    env = {**clean, **source, "PICCOLO_CONF": "b2a.db.piccolo_conf"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    made = b2a(source, "backup", "--to", str(tmp_path / "b"))
    assert made.returncode == 0, made.stderr
    assert f"schema {older}" in " ".join(made.stdout.split())

    new_home = tmp_path / "new"
    target = {
        **_env(new_home, f"sqlite:///{new_home}/b2a.sqlite3", redis_url, base_env),
        "B2A_ENCRYPTION_KEY": OTHER_KEY,
    }
    restored = b2a(target, "restore", str(_archive(tmp_path / "b")))
    assert restored.returncode == 0, restored.stderr
    assert f"applied {migration_ids()[-1]}" in restored.stdout
    assert "B2A_ENCRYPTION_KEY here is not the key" in " ".join(restored.stderr.split())
    assert "schema is up to date" in b2a(target, "migrate").stdout


def _fake_tool(bin_dir: Path, version: str) -> None:
    bin_dir.mkdir()
    tool = bin_dir / "pg_dump"
    tool.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {version}'\n")
    tool.chmod(0o755)


async def test_backup_names_the_fix_when_pg_dump_is_missing_or_older_than_the_server(
    pg, tmp_path, redis_url, base_env
):
    server = await asyncpg.connect(pg.url)
    major = int(await server.fetchval("SHOW server_version_num")) // 10000
    await server.close()
    _fake_tool(tmp_path / "old-bin", "11.22")
    (tmp_path / "empty-bin").mkdir()
    env = _env(tmp_path / "home", pg.url, redis_url, base_env)
    old = b2a({**env, "PATH": str(tmp_path / "old-bin")}, "backup")
    missing = b2a({**env, "PATH": str(tmp_path / "empty-bin")}, "backup")
    assert old.returncode == missing.returncode == 78
    said = " ".join(old.stderr.split())
    assert f"pg_dump 11 ({tmp_path}/old-bin/pg_dump) is older than the PostgreSQL {major}" in said
    assert f"apt install postgresql-client-{major}" in said
    said = " ".join(missing.stderr.split())
    assert "pg_dump is not installed or not on PATH" in said
    assert f"apt install postgresql-client-{major}" in said
    assert not list((tmp_path / "home" / "backups").glob("*.tar*"))
