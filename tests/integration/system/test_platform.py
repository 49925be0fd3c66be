"""Platform settings: account rules and the SMTP server, set by the super admin only."""

import pytest

from b2a.audit.tables import AuditEntry
from b2a.errors import Forbidden, Invalid
from b2a.lib.crypto import SecretBox
from b2a.system.platform import (
    AccountPolicy,
    EmailServer,
    Growth,
    account_policy,
    email_server,
    growth,
    read_setting,
    set_account_policy,
    set_email_server,
    set_growth,
)
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor

OPERATOR = Actor.operator("tests")
KEY = "3q2-7wBEqf-qvUJtkNhaEAIYbT1cT7jvf3W-NY8tBUc="


async def test_defaults_hold_until_the_super_admin_changes_them(db):
    assert await account_policy() == AccountPolicy(
        signup_enabled=True, password_reset_enabled=True, email_verification_required=False
    )
    await set_account_policy(OPERATOR, AccountPolicy(signup_enabled=False))
    await set_account_policy(
        OPERATOR, AccountPolicy(signup_enabled=False, email_verification_required=True)
    )
    policy = await account_policy()
    assert not policy.signup_enabled and policy.email_verification_required
    assert await SystemSetting.count().where(SystemSetting.key == "accounts") == 1
    assert await AuditEntry.count().where(AuditEntry.event == "system.account_policy") == 2


async def test_only_a_super_admin_changes_platform_settings(cast):
    with pytest.raises(Forbidden):
        await set_account_policy(cast.acme_owner.actor, AccountPolicy(signup_enabled=False))
    with pytest.raises(Forbidden):
        await set_email_server(cast.acme_owner.actor, EmailServer(host="x"), SecretBox(KEY))
    assert (await account_policy()).signup_enabled


async def test_the_smtp_password_is_stored_encrypted_and_kept_when_left_empty(db, make_settings):
    box = SecretBox(KEY)
    fallback = make_settings().smtp
    server = EmailServer(
        host="smtp.example.com",
        port=465,
        username="u",
        password="hunter2hunter2",
        sender="b2a <no-reply@example.com>",
        security="tls",
    )
    await set_email_server(OPERATOR, server, box)
    stored = await read_setting("email")
    assert "hunter2hunter2" not in str(stored) and stored["password_encrypted"]
    assert await email_server(box, fallback) == server
    await set_email_server(
        OPERATOR, EmailServer(host="smtp.example.com", sender="a@example.com"), box
    )
    assert (await email_server(box, fallback)).password == "hunter2hunter2"


async def test_the_config_file_is_the_fallback_until_an_admin_sets_a_server(db, make_settings):
    fallback = make_settings(
        B2A_SMTP_HOST="relay.local",
        B2A_SMTP_FROM="n@relay.local",
        B2A_SMTP_SECURITY="none",
        B2A_SMTP_PORT="25",
    ).smtp
    server = await email_server(SecretBox(KEY), fallback)
    assert (server.host, server.port, server.security, server.configured) == (
        "relay.local",
        25,
        "none",
        True,
    )
    assert not (await email_server(SecretBox(KEY), make_settings().smtp)).configured


async def test_bad_smtp_values_are_refused(db):
    with pytest.raises(Invalid) as port:
        await set_email_server(OPERATOR, EmailServer(host="x", port=0), SecretBox(KEY))
    assert port.value.field == "port"
    with pytest.raises(Invalid):
        await set_email_server(OPERATOR, EmailServer(host="x", security="ssl3"), SecretBox(KEY))


async def test_growth_ids_are_checked_and_load_only_while_enabled(db):
    assert (await growth()).google_analytics == ""
    for bad, field in [
        (Growth(google_analytics_id="UA-1234-1"), "google_analytics_id"),
        (Growth(google_analytics_id='G-1"><script>'), "google_analytics_id"),
        (Growth(facebook_pixel_id="12ab"), "facebook_pixel_id"),
    ]:
        with pytest.raises(Invalid) as refused:
            await set_growth(OPERATOR, bad)
        assert refused.value.field == field
    saved = await set_growth(
        OPERATOR, Growth(google_analytics_id=" g-ab12cd34 ", facebook_pixel_id="123456789")
    )
    assert saved.google_analytics_id == "G-AB12CD34" and saved.google_analytics == ""
    await set_growth(OPERATOR, Growth(enabled=True, facebook_pixel_id="123456789"))
    stored = await growth()
    assert stored.facebook_pixel == "123456789" and stored.google_analytics == ""


async def test_only_a_super_admin_sets_growth_ids(cast):
    with pytest.raises(Forbidden):
        await set_growth(cast.acme_owner.actor, Growth(enabled=True))
