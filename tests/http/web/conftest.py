"""Web UI tests: the app with an SMTP server that records mail, and a browser-like client.

``Browser`` keeps cookies like a browser does and reads the CSRF token from
the last page, so tests submit forms the way a person would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.fakes.smtp import PASSWORD as SMTP_PASSWORD
from tests.fakes.smtp import USERNAME as SMTP_USERNAME
from tests.fakes.smtp import FakeSmtp

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
COPY_FIELD = re.compile(r'<input id="[^"]+" type="text" value="([^"]+)" readonly')


@pytest.fixture(scope="session")
def smtp_server():
    with FakeSmtp() as server:
        yield server


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server with an empty mailbox (tests reuse addresses on both engines)."""
    smtp_server.clear()
    return smtp_server


@pytest.fixture
def make_web_settings(db, make_settings, app_home, smtp):
    """The app's settings with mail going to ``smtp``; a test module adds its own variables."""

    def make(**extra: str):
        return make_settings(
            B2A_DB_URL=db.url,
            B2A_HOME=str(app_home),
            B2A_SMTP_HOST="127.0.0.1",
            B2A_SMTP_PORT=str(smtp.port),
            B2A_SMTP_USERNAME=SMTP_USERNAME,
            B2A_SMTP_PASSWORD=SMTP_PASSWORD,
            B2A_SMTP_FROM="b2a <no-reply@b2a.test>",
            B2A_SMTP_SECURITY="none",
            **extra,
        )

    return make


@pytest.fixture
def settings(make_web_settings):
    return make_web_settings()


@dataclass
class Browser:
    """An httpx client used like a browser: cookies kept, forms carry the page's CSRF token."""

    client: httpx.AsyncClient
    csrf: str = ""
    last: Any = field(default=None)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.get(path, headers={"Accept": "text/html"}, **kwargs)
        self.last = response
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def submit(
        self, path: str, data: dict[str, str], *, page: str | None = None
    ) -> httpx.Response:
        """GET ``page`` (default ``path``) for its token, then POST the form to ``path``."""
        await self.get(page or path)
        return await self.post(path, data)

    async def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        response = await self.client.post(
            path, data={"_csrf": self.csrf, **data}, headers={"Accept": "text/html"}
        )
        self.last = response
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def log_in(self, email: str, password: str) -> httpx.Response:
        response = await self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return response


def make_browser(app: Any, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def browser(app):
    async with make_browser(app) as client:
        yield Browser(client)


@pytest.fixture
async def other_browser(app):
    async with make_browser(app) as client:
        yield Browser(client)


@pytest.fixture
async def worker(app, settings):
    """A real worker in this loop, sending the app's emails to the fake SMTP server."""
    from tests.pipeline import running_worker

    async with running_worker(settings) as running:
        yield running


def link_path(url: str) -> str:
    """The path and query of a link from an email (the test client knows the host)."""
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def shown_link(html: str) -> str:
    """The one-time link a page shows in its read-only copy field."""
    found = COPY_FIELD.findall(html)
    assert len(found) == 1, f"expected one link to copy, found {found}"
    return found[0]


async def sign_up(browser: Browser, smtp: Any, form: dict[str, str], password: str) -> Any:
    """Sign up as a visitor does: the form, the emailed link, the password (needs ``worker``).

    Returns the answer to the password form (303 to /app when the business is made).
    """
    sent = await browser.submit("/signup", form)
    assert sent.status_code == 200 and "Check your email" in sent.text, sent.text
    mails = await smtp.wait_for(form["email"])
    finish = link_path(mails[-1].links[0])
    token = finish.split("token=", 1)[1]
    return await browser.submit(
        "/signup/finish", {"token": token, "password": password}, page=finish
    )
