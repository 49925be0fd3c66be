"""The coalescer: concurrent items meet in one batch; a failed batch sends each caller alone."""

import asyncio

import pytest

from b2a.lib.batcher import Batcher, BatchFailed


async def test_items_submitted_together_go_in_one_batch_and_each_gets_its_result():
    batches = []

    async def double(items):
        batches.append(items)
        return {item: item * 2 for item in items}

    batcher = Batcher(double, size=10, wait=0.01)
    assert await asyncio.gather(*(batcher.submit(n) for n in range(3))) == [0, 2, 4]
    assert batches == [[0, 1, 2]]


async def test_a_full_batch_leaves_at_once():
    batches = []

    async def echo(items):
        batches.append(items)
        return {item: item for item in items}

    batcher = Batcher(echo, size=2, wait=60)
    assert await asyncio.wait_for(asyncio.gather(*(batcher.submit(n) for n in range(4))), 1)
    assert batches == [[0, 1], [2, 3]]


async def test_a_failed_batch_tells_every_caller_to_go_alone():
    async def poisoned(items):
        if "poison" in items:
            raise ValueError("cannot read it")
        return {item: "stored" for item in items}

    batcher = Batcher(poisoned, size=10, wait=0.01)
    results = await asyncio.gather(
        *(batcher.submit(item) for item in ("good", "poison", "fine")), return_exceptions=True
    )
    assert all(isinstance(r, BatchFailed) for r in results)
    assert isinstance(results[0].__cause__, ValueError)
    assert await batcher.submit("good") == "stored", "alone, a good item goes through"


async def test_an_item_the_batch_gave_no_result_for_fails_alone():
    async def forgetful(items):
        return {}

    with pytest.raises(BatchFailed):
        await Batcher(forgetful, size=10, wait=0.01).submit("lost")
