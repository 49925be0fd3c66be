from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T15:00:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite and unique indexes for the hot paths"

# Composite and unique indexes for the hot paths, which Piccolo's column options
# cannot express. Plain SQL that SQLite and PostgreSQL both accept.
COMPOSITE_INDEXES = {
    "conversation_inbox": "conversation (tenant, last_message_at DESC, id)",
    "conversation_thread_unique": "UNIQUE:conversation (tenant, channel, customer)",
    "message_wamid_unique": "UNIQUE:message (tenant, wa_message_id)",
    "message_thread": "message (conversation, created_at, id)",
    "scheduled_message_due": "scheduled_message (status, send_at)",
    "customer_identity_unique": "UNIQUE:customer_identity (tenant, kind, value)",
    "inbound_event_unique": "UNIQUE:inbound_event (tenant, dedupe_key)",
    "canned_reply_shortcut_unique": "UNIQUE:canned_reply (tenant, shortcut)",
    "label_name_unique": "UNIQUE:label (tenant, name)",
    "conversation_label_unique": "UNIQUE:conversation_label (conversation, label)",
    "working_hours_day_unique": "UNIQUE:working_hours (tenant, weekday)",
    "customer_order_number_unique": "UNIQUE:customer_order (tenant, number)",
    "assistant_config_tenant_unique": "UNIQUE:assistant_config (tenant)",
    "message_template_unique": "UNIQUE:message_template (tenant, source, name, language)",
    "ai_usage_recent": "ai_usage (tenant, created_at)",
    "audit_entry_recent": "audit_entry (tenant, at)",
}


def _index_sql(name: str, spec: str) -> str:
    unique, _, target = spec.rpartition(":")
    return f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS ix_{name} ON {target}"


async def create_composite_indexes():
    engine = engine_finder()
    for name, spec in COMPOSITE_INDEXES.items():
        await engine.run_ddl(_index_sql(name, spec))


async def drop_composite_indexes():
    engine = engine_finder()
    for name in COMPOSITE_INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS ix_{name}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    # Raw steps run before table operations, so the indexes get their own migration.
    manager.add_raw(create_composite_indexes)
    manager.add_raw_backwards(drop_composite_indexes)
    return manager
