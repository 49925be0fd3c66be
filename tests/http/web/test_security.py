"""Sessions, CSRF, headers and error pages: the security rules of the web UI, over HTTP."""

import re

from b2a.lib.redis import PREFIX
from b2a.tenants.sessions import session_key
from tests.conftest import PASSWORD
from tests.http.web.conftest import Browser, make_browser

SESSION = "b2a_session"


async def _session_keys(redis):
    return [key async for key in redis.scan_iter(match=f"{PREFIX}session:*")]


async def test_anonymous_visitors_leave_no_session_in_redis(browser, redis, cast):
    for path in ("/", "/login", "/signup", "/forgot-password", "/app", "/static/css/app.css"):
        await browser.get(path)
    await browser.post("/login", {"email": "nobody@acme.test", "password": "wrong password"})
    assert await _session_keys(redis) == []
    assert SESSION not in browser.client.cookies


async def test_login_starts_a_new_session_whatever_id_the_browser_brought(browser, redis, cast):
    planted = "A" * 43
    browser.client.cookies.set(SESSION, planted, domain="testserver.local")
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    first = browser.client.cookies[SESSION]
    assert first != planted and await redis.exists(session_key(first))
    assert not await redis.exists(session_key(planted))
    await browser.get("/app")  # logged in: the form token is now the session's
    await browser.post("/login", {"email": cast.acme_owner.email, "password": PASSWORD})
    second = browser.client.cookies[SESSION]
    assert second != first, "the id rotates at every login"
    assert not await redis.exists(session_key(first)), "the previous session is gone"


async def test_logout_destroys_the_session_not_just_the_cookie(app, browser, redis, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    stolen = browser.client.cookies[SESSION]
    assert (await browser.get("/app")).status_code == 200
    await browser.post("/logout", {})
    assert not await redis.exists(session_key(stolen))
    async with make_browser(app) as thief:
        thief.cookies.set(SESSION, stolen)
        response = await thief.get("/app")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_session_cookies_are_httponly_lax_and_secure_behind_tls(app, cast):
    async with make_browser(app, "https://testserver") as client:
        tls = Browser(client)
        response = await tls.log_in(cast.acme_owner.email, PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_plain_http_gets_no_hsts_and_no_secure_flag(browser, cast):
    response = await browser.log_in(cast.acme_owner.email, PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION))
    assert "Secure" not in cookie
    assert "strict-transport-security" not in response.headers


async def test_a_form_post_without_the_csrf_token_is_refused(browser, cast):
    await browser.get("/login")
    response = await browser.client.post(
        "/login",
        data={"email": cast.acme_owner.email, "password": PASSWORD},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 403
    assert "CSRF_FAILED" in response.text
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    invite = {"email": "new@acme.test", "role": "STAFF"}
    refused = await browser.client.post("/app/team/invite", data=invite)
    assert refused.status_code == 403 and refused.json()["code"] == "CSRF_FAILED"


async def test_one_sessions_token_does_not_work_for_another(browser, other_browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await other_browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/account")
    await other_browser.get("/app/account")
    other_browser.csrf = browser.csrf
    response = await other_browser.post("/app/account/tokens", {"name": "x"})
    assert response.status_code == 403


async def test_the_token_changes_with_the_session(browser, cast):
    await browser.get("/login")
    before = browser.csrf
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app")
    assert browser.csrf != before


async def test_the_api_accepts_the_session_cookie_with_the_csrf_header(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app")
    listed = await browser.client.get("/api/v1/conversations")
    assert listed.status_code == 200
    body = {"shortcut": "hi", "text": "Hello!"}
    refused = await browser.client.post("/api/v1/canned-replies", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "CSRF_FAILED"
    allowed = await browser.client.post(
        "/api/v1/canned-replies", json=body, headers={"X-CSRF-Token": browser.csrf}
    )
    assert allowed.status_code == 201


async def test_every_response_carries_the_security_headers(browser, client):
    for response in (
        await browser.get("/login"),
        await browser.get("/no-such-page"),
        await client.get("/api/v1/conversations"),
        await client.get("/static/css/app.css"),
        await client.get("/health"),
    ):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


async def test_pages_have_no_inline_script_or_style(browser, cast):
    pages = [await browser.get("/login"), await browser.get("/signup")]
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    for path in ("/app", "/app/team", "/app/account"):
        pages.append(await browser.get(path))
    for page in pages:
        assert page.status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), "inline script"
        assert " style=" not in page.text and "<style" not in page.text
        assert not re.search(r"\son[a-z]+=", page.text), "inline event handler"


async def test_errors_are_pages_for_browsers_and_json_for_the_api(browser, client):
    page = await browser.get("/app/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "NOT_FOUND" in page.text and "Traceback" not in page.text
    api = await client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["code"] == "NOT_FOUND"
