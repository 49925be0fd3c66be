"""Settings pointing every outbound test at the fake Graph API (``graph``, tests/conftest.py)."""

import pytest


@pytest.fixture
def settings(make_settings, db, graph, tmp_path):
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SEND_RETRY_DELAY_SECONDS="0",
    )
