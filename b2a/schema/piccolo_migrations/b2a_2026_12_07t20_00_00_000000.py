from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Search indexes for the inbox: pg_trgm GIN on PostgreSQL, FTS5 trigram on SQLite"

# PostgreSQL: trigram GIN indexes that lead with the tenant (btree_gin lets a GIN index hold
# the uuid), so a search reads only the tenant's own entries: a small tenant is not slowed by
# a big one. Both extensions ship with PostgreSQL (contrib) and are trusted: the database's
# owner may create them. b2a.inbox.search says how the indexes are used; docs/performance.md
# ("Inbox at a million messages") has the candidates measured and the plans.
POSTGRES_EXTENSIONS = ("pg_trgm", "btree_gin")
POSTGRES_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_message_text_search ON message"
    " USING gin (tenant, text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_customer_search ON customer"
    " USING gin (tenant, name gin_trgm_ops, phone gin_trgm_ops)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_message_text_search",
    "DROP INDEX IF EXISTS ix_customer_search",
)
MISSING_EXTENSION = (
    "PostgreSQL could not create the {name} extension the inbox search needs ({error}). "
    "Install PostgreSQL's contrib modules (Debian/Ubuntu: they come with the postgresql "
    "package; elsewhere: postgresql-contrib), or have a superuser run "
    "'CREATE EXTENSION {name};' in this database, then run 'b2a migrate' again."
)

# SQLite: an external-content FTS5 table over message.text with the trigram tokenizer
# (substrings of 3+ characters, case-insensitive), kept in step by triggers. It is keyed by
# the message's rowid; the search rechecks every hit against the message row itself, so a
# stale entry can never show a message that no longer says it. After a VACUUM (b2a runs
# none), rebuild it: INSERT INTO message_search(message_search) VALUES ('rebuild').
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5("
    "text, content='message', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS message_search_insert AFTER INSERT ON message BEGIN"
    " INSERT INTO message_search(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS message_search_delete AFTER DELETE ON message BEGIN"
    " INSERT INTO message_search(message_search, rowid, text)"
    " VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS message_search_update AFTER UPDATE OF text ON message BEGIN"
    " INSERT INTO message_search(message_search, rowid, text)"
    " VALUES ('delete', old.rowid, old.text);"
    " INSERT INTO message_search(rowid, text) VALUES (new.rowid, new.text); END",
    # The messages stored before this migration.
    "INSERT INTO message_search(message_search) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS message_search_insert",
    "DROP TRIGGER IF EXISTS message_search_delete",
    "DROP TRIGGER IF EXISTS message_search_update",
    "DROP TABLE IF EXISTS message_search",
)


async def _create_extensions(engine):
    for name in POSTGRES_EXTENSIONS:
        try:
            await engine.run_ddl(f"CREATE EXTENSION IF NOT EXISTS {name}")
        except Exception as error:
            raise RuntimeError(MISSING_EXTENSION.format(name=name, error=error)) from error


async def _forwards_sql():
    engine = engine_finder()
    if engine.engine_type == "postgres":
        await _create_extensions(engine)
        for statement in POSTGRES_INDEXES:
            await engine.run_ddl(statement)
        return
    for statement in SQLITE_CREATE:
        await engine.run_ddl(statement)


async def _backwards_sql():
    # The extensions stay: other objects of the database may use them.
    engine = engine_finder()
    for statement in POSTGRES_DROP if engine.engine_type == "postgres" else SQLITE_DROP:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
