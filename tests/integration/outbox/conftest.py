"""The far end of every outbound test: the fake Graph API, and settings pointing at it."""

import pytest

from tests.fakes.graph_api import FakeGraphApi


@pytest.fixture
def graph():
    with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
def settings(make_settings, db, graph, tmp_path):
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SEND_RETRY_DELAY_SECONDS="0",
    )
