"""The PostgreSQL pool opens connections as the load needs them, within B2A_DB_POOL_MAX."""

import asyncio

from b2a.db.engine import close_pool, create_engine, start_pool


async def test_a_pool_starts_with_one_connection_and_grows_to_its_maximum(pg, make_settings):
    settings = make_settings(B2A_DB_URL=pg.url, B2A_DB_POOL_MAX="3")
    engine = create_engine(settings.db)
    await start_pool(engine, max_size=settings.db.pool_max)
    try:
        assert engine.pool.get_size() == 1
        held = [await engine.pool.acquire() for _ in range(3)]
        assert engine.pool.get_size() == 3
        waiting = asyncio.ensure_future(engine.pool.acquire())
        await asyncio.sleep(0.2)
        assert not waiting.done(), "a fourth connection waits for one of the three"
        await engine.pool.release(held.pop())
        held.append(await asyncio.wait_for(waiting, 5))
        for connection in held:
            await engine.pool.release(connection)
    finally:
        await close_pool(engine)
