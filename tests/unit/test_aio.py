import asyncio

from b2a.lib import aio


def test_a_process_main_runs_to_its_result_on_uvloop():
    async def main():
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()).__module__

    assert aio.run(main()).startswith("uvloop")
