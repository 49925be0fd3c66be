from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "channels: the readable states (not set up … logged out) and when a channel connected"

# Old state → new state, per transport. A WhatsApp-Web session that was stopped
# with its pairing kept becomes FAILED with the reason, so "Try again" reconnects
# without a new code and it no longer blocks the Cloud API.
FORWARDS = (
    # (condition, new state, last_error or None to keep it)
    ("transport = 'sandbox'", "CONNECTED", None),
    ("transport = 'cloud' AND state <> 'CONNECTED'", "NOT_SET_UP", None),
    ("transport = 'web' AND state = 'PAIRING'", "WAITING_FOR_QR_SCAN", None),
    ("transport = 'web' AND state = 'NEEDS_PAIRING' AND wants_session", "CONNECTING", None),
    ("transport = 'web' AND state = 'NEEDS_PAIRING'", "LOGGED_OUT", None),
    ("transport = 'web' AND state = 'DISCONNECTED' AND wants_session", "CONNECTING", None),
    (
        "transport = 'web' AND state = 'DISCONNECTED' AND state_changed_at IS NULL",
        "NOT_SET_UP",
        None,
    ),
    (
        "transport = 'web' AND state = 'DISCONNECTED'",
        "FAILED",
        "Disconnected by the business; the pairing is kept, so trying again needs no new code.",
    ),
)
BACKWARDS = (
    ("state IN ('NOT_SET_UP')", "DISCONNECTED"),
    ("state IN ('WAITING_FOR_QR_SCAN', 'WAITING_FOR_PAIRING_CODE')", "PAIRING"),
    ("state = 'LOGGED_OUT'", "NEEDS_PAIRING"),
)


async def _forwards_sql():
    engine = engine_finder()
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE channel ALTER COLUMN state TYPE varchar(32)")
        await engine.run_ddl("ALTER TABLE channel ALTER COLUMN state SET DEFAULT 'NOT_SET_UP'")
        await engine.run_ddl("ALTER TABLE channel ADD COLUMN connected_at timestamptz NULL")
    else:
        await engine.run_ddl("ALTER TABLE channel ADD COLUMN connected_at TIMESTAMPTZ NULL")
    truth, false = ("true", "false") if engine.engine_type == "postgres" else ("1", "0")
    # A session that failed was retrying with backoff, perhaps never having connected: it
    # stops retrying (trying again is one click) and keeps whatever pairing it has.
    await engine.run_ddl(
        f"UPDATE channel SET wants_session = {false}, connected_at = state_changed_at "
        "WHERE transport = 'web' AND state = 'FAILED'"
    )
    for condition, state, error in FORWARDS:
        where = condition.replace("wants_session", f"wants_session = {truth}")
        if error is None:
            await engine.run_ddl(f"UPDATE channel SET state = '{state}' WHERE {where}")
        else:
            await engine.run_ddl(
                f"UPDATE channel SET state = '{state}', last_error = '{error}', "
                f"connected_at = state_changed_at WHERE {where}"
            )
    # A session may hold a pairing in any of these: a start without one forgets the file.
    await engine.run_ddl(
        "UPDATE channel SET connected_at = COALESCE(state_changed_at, created_at) "
        "WHERE transport <> 'sandbox' AND state IN ('CONNECTED', 'CONNECTING', 'FAILED')"
    )


async def _backwards_sql():
    engine = engine_finder()
    for condition, state in BACKWARDS:
        await engine.run_ddl(f"UPDATE channel SET state = '{state}' WHERE {condition}")
    await engine.run_ddl("ALTER TABLE channel DROP COLUMN connected_at")
    if engine.engine_type == "postgres":
        await engine.run_ddl("ALTER TABLE channel ALTER COLUMN state SET DEFAULT 'DISCONNECTED'")
        await engine.run_ddl("ALTER TABLE channel ALTER COLUMN state TYPE varchar(16)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="b2a", description=DESCRIPTION)
    manager.add_raw(_forwards_sql)
    manager.add_raw_backwards(_backwards_sql)
    return manager
