import sqlite3

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "An address is unique among accounts that have joined; several businesses may invite it"
)

# A member invited but not joined has the password hash '!invited' (tenants/rules.py,
# NO_PASSWORD). Only joined accounts hold their address uniquely, so inviting an address
# that has an account elsewhere looks, to the inviter, like inviting a new one; each
# business still lists an address once.
JOINED = "CREATE UNIQUE INDEX IF NOT EXISTS ux_app_user_email_joined ON app_user (email) " + (
    "WHERE password_hash <> '!invited'"
)
PER_TENANT = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_app_user_tenant_email ON app_user (tenant, email)"
)
DROP = (
    "DROP INDEX IF EXISTS ux_app_user_tenant_email",
    "DROP INDEX IF EXISTS ux_app_user_email_joined",
)
# Going back: pending invitations of an address someone else holds cannot stay.
UNDO_DUPLICATES = (
    "DELETE FROM app_user WHERE password_hash = '!invited' AND EXISTS "
    "(SELECT 1 FROM app_user other WHERE other.email = app_user.email AND other.id <> app_user.id "
    "AND (other.password_hash <> '!invited' OR other.created_at < app_user.created_at))"
)
UNIQUE_COLUMN = '"email" VARCHAR(254) UNIQUE NOT NULL'
PLAIN_COLUMN = '"email" VARCHAR(254) NOT NULL'


def _rebuild_sqlite(path: str, before: str, after: str) -> None:
    """SQLite cannot drop a column's UNIQUE: rebuild app_user the documented way.

    Foreign keys are off on this connection while the copy replaces the table,
    so the rows that reference users (tokens, assignments, audit) are neither
    cascaded away nor re-pointed; the check afterwards proves none dangles.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("BEGIN IMMEDIATE")
        (ddl,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'"
        ).fetchone()
        rebuilt = ddl.replace(before, after).replace('"app_user"', '"app_user_rebuilt"', 1)
        connection.execute(rebuilt)
        connection.execute('INSERT INTO "app_user_rebuilt" SELECT * FROM "app_user"')
        connection.execute('DROP TABLE "app_user"')
        connection.execute('ALTER TABLE "app_user_rebuilt" RENAME TO "app_user"')
        connection.execute('CREATE INDEX IF NOT EXISTS app_user_tenant ON "app_user" ("tenant")')
        if connection.execute("PRAGMA foreign_key_check").fetchall():
            raise RuntimeError("rebuilding app_user left references to missing users")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()


async def _forwards_sql():
    engine = engine_finder()
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE app_user DROP CONSTRAINT IF EXISTS app_user_email_key")
    else:
        _rebuild_sqlite(engine.path, UNIQUE_COLUMN, PLAIN_COLUMN)
    await engine.run_ddl(JOINED)
    await engine.run_ddl(PER_TENANT)


async def _backwards_sql():
    engine = engine_finder()
    await engine.run_ddl(UNDO_DUPLICATES)
    for statement in DROP:
        await engine.run_ddl(statement)
    if engine.engine_type == "postgres":
        await engine.run_ddl(
            "ALTER TABLE app_user ADD CONSTRAINT app_user_email_key UNIQUE (email)"
        )
    else:
        _rebuild_sqlite(engine.path, PLAIN_COLUMN, UNIQUE_COLUMN)


async def forwards():
    # Not one transaction: SQLite's rebuild needs its own connection with foreign keys off.
    manager = MigrationManager(
        migration_id=ID, app_name="b2a", description=DESCRIPTION, wrap_in_transaction=False
    )
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
