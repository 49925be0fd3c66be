"""Browser tests: Debian's chromium, driven by Playwright, on a live ``b2a serve`` + ``b2a worker``.

The stack is the one the benchmark and the reliability test start (bench/harness.py):
real processes on a fresh PostgreSQL database and this run's Redis database, with
account emails going to a local SMTP server that records them. Playwright never
downloads a browser: it launches /usr/bin/chromium (``./setup.sh --test`` installs
it). Screenshots go to ``tmp/artifacts/browser/`` (``B2A_TEST_ARTIFACTS`` overrides).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.schema.tables import all_tables
from b2a.settings import load_settings
from bench import harness
from tests.fakes.smtp import PASSWORD as SMTP_PASSWORD
from tests.fakes.smtp import USERNAME as SMTP_USERNAME
from tests.fakes.smtp import FakeSmtp

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = (
    Path(os.environ.get("B2A_TEST_ARTIFACTS", harness.ROOT / "tmp" / "artifacts")) / "browser"
)
PASSWORD = "a long browser password"

if not CHROMIUM.exists():
    pytest.skip("chromium is not installed: run ./setup.sh --test", allow_module_level=True)


@pytest.fixture(scope="module")
def smtp() -> Any:
    with FakeSmtp() as server:
        yield server


@pytest.fixture(scope="module")
def stack_env() -> dict[str, str]:
    """Variables a test module adds to its stack (e.g. a fake's address); none by default."""
    return {}


@pytest.fixture(scope="module")
def stack_email(smtp) -> dict[str, str]:
    """The stack's email settings: ``smtp``; a module overrides this with {} for no email."""
    return {
        "B2A_SMTP_HOST": "127.0.0.1",
        "B2A_SMTP_PORT": str(smtp.port),
        "B2A_SMTP_USERNAME": SMTP_USERNAME,
        "B2A_SMTP_PASSWORD": SMTP_PASSWORD,
        "B2A_SMTP_FROM": "b2a <no-reply@b2a.test>",
        "B2A_SMTP_SECURITY": "none",
    }


@pytest.fixture(scope="module")
def stack(make_database, redis_url, stack_email, tmp_path_factory, stack_env) -> Any:
    """``b2a serve`` and ``b2a worker`` on a migrated database, with ``stack_email``'s mail."""
    home = tmp_path_factory.mktemp("browser-home")
    base = harness.base_env(home, make_database(), redis_url)
    env = {
        **{key: value for key, value in base.items() if not key.startswith("B2A_SMTP_")},
        **stack_email,
        # Every test logs in from 127.0.0.1; the lockout, not the IP limit, is under test here.
        "B2A_AUTH_PER_IP_LIMIT": "500",
        "B2A_AUTH_PASSWORD_HASH_COST": "minimal",
        **stack_env,
    }
    subprocess.run(
        [sys.executable, "-m", "b2a", "migrate"],
        env=env,
        cwd=harness.ROOT,
        check=True,
        capture_output=True,
    )
    with harness.running_stack(env, home / "logs") as running:
        running.start("serve")
        running.start("worker")
        yield running


@pytest.fixture(scope="module")
async def stack_db(stack) -> AsyncIterator[Any]:
    """The stack's database, bound in this process to seed rows and read them back."""
    engine = create_engine(load_settings(stack.env).db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    yield engine
    await close_pool(engine)


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


class Visitor:
    """One person's browser tab on the stack, failing the test on any CSP violation."""

    def __init__(self, page: Any, base_url: str, stack: Any = None, mailbox: Any = None) -> None:
        self.page = page
        self.base_url = base_url
        self.stack = stack
        self.mailbox = mailbox  # the SMTP server the stack's emails go to, if it has one
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(message.text)

    async def goto(self, path: str) -> Any:
        return await self.page.goto(self.base_url + path)

    async def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    async def sign_up(self, business: str, email: str, password: str = PASSWORD) -> None:
        """Sign up as a person does: the form, the link in the email, the password, the panel.

        Without email (a fresh install) the operator makes the business from the
        command line instead, and its owner logs in.
        """
        if self.mailbox is None:
            await self._made_by_the_operator(business, email, password)
            return
        await self.goto("/signup")
        await self.page.get_by_label("Business name").fill(business)
        await self.page.get_by_label("Your email").fill(email)
        await self.page.get_by_role("button", name="Create account").click()
        await self.page.get_by_role("heading", name="Check your email").wait_for()
        await self.finish_sign_up(email, password)
        await self.page.wait_for_url("**/app")

    async def finish_sign_up(self, email: str, password: str) -> None:
        """Open the newest sign-up link emailed to ``email`` and choose ``password``."""
        assert self.mailbox is not None
        mails = await self.mailbox.wait_for(email)
        link = next(url for url in mails[-1].links if "/signup/finish" in url)
        await self.goto(local(link, self.base_url))
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Create my business").click()

    async def _made_by_the_operator(self, business: str, email: str, password: str) -> None:
        assert self.stack is not None
        made = subprocess.run(
            [sys.executable, "-m", "b2a", "tenant", "create", business, "--admin-email", email],
            env={**self.stack.env, "B2A_ADMIN_PASSWORD": password},
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
        await self.log_in(email, password)
        await self.page.wait_for_url("**/app")

    async def log_in(self, email: str, password: str) -> None:
        await self.goto("/login")
        await self.page.get_by_label("Email").fill(email)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Log in").click()

    async def log_out(self) -> None:
        await self.page.get_by_role("button", name="Log out").click()
        await self.page.wait_for_url("**/login")


@pytest.fixture
def mailbox(smtp, stack_email) -> Any:
    """Where the stack's emails can be read: ``smtp``, or None when the stack has no email."""
    return smtp if stack_email else None


@pytest.fixture
async def visitor(chromium, stack, mailbox) -> AsyncIterator[Visitor]:
    """A fresh browser (no cookies) at desktop width."""
    context = await chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = Visitor(await context.new_page(), stack.base_url, stack, mailbox)
    yield tab
    await context.close()
    assert tab.problems == [], tab.problems


@pytest.fixture
async def new_visitor(chromium, stack, mailbox) -> AsyncIterator[Any]:
    """Open more browsers (a colleague, a phone) within one test."""
    contexts: list[Any] = []

    async def open_one(width: int = 1280) -> Visitor:
        context = await chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        return Visitor(await context.new_page(), stack.base_url, stack, mailbox)

    yield open_one
    for context in contexts:
        await context.close()


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@browser.test"


def local(url: str, base_url: str) -> str:
    """The path of a link from an email (it names the stack's own address)."""
    assert url.startswith(base_url), url
    return url[len(base_url) :]
