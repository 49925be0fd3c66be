"""Each answer names its request (``X-Request-ID``): the proxy's id when it has a sane shape."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.server.requestid import _SHAPE


async def test_an_answer_carries_a_new_id_or_the_one_the_proxy_sent(client):
    fresh = [(await client.get("/health")).headers["x-request-id"] for _ in range(2)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in fresh) and fresh[0] != fresh[1]
    sent = "nginx-7f3a9c:0001"
    answer = await client.get("/health", headers={"X-Request-ID": sent})
    assert answer.headers["x-request-id"] == sent
    # An error answer names its request too, so a user's report can be found in the logs.
    missing = await client.get("/no/such/page", headers={"X-Request-ID": sent})
    assert missing.status_code == 404 and missing.headers["x-request-id"] == sent


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
async def test_an_id_of_another_shape_is_replaced_not_logged(client, sent):
    # httpx sends headers as ASCII only: other characters cannot even reach the server.
    sent = sent.encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " ")
    answer = await client.get("/health", headers={"X-Request-ID": sent})
    got = answer.headers["x-request-id"]
    if _SHAPE.fullmatch(sent.encode()):
        assert got == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", got), (sent, got)
