"""The per-IP limit on login attempts (a low limit for this file)."""

import pytest

from tests.conftest import PASSWORD
from tests.http.web.test_login import _failed_reasons


@pytest.fixture
def settings(db, make_settings, app_home):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(app_home), B2A_AUTH_PER_IP_LIMIT="3")


async def test_one_ip_address_gets_a_limited_number_of_attempts(browser, cast):
    for n in range(3):
        email = f"user{n}@acme.test"
        assert (
            await browser.submit("/login", {"email": email, "password": "x"})
        ).status_code == 401
    refused = await browser.submit("/login", {"email": cast.acme_owner.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "too many attempts" in refused.text
    assert ("ip_limited", "127.0.0.1") in await _failed_reasons(cast.acme_owner.email)
