"""Real neonize, in its own process, with WhatsApp unreachable (this machine has no network).

It must import, try once, leave the channel FAILED with the reason in plain
words (never neonize's raw error), not retry a channel that never connected,
and exit: all within a bound. And every kind of message, built with neonize's
real protobuf classes, must read as the fake client's samples do.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from b2a.inbox.rules import ChannelState, Transport
from b2a.inbox.tables import Channel
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from tests.fakes.web_samples import IGNORED, SAMPLES, expected

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
async def test_real_neonize_fails_cleanly_when_whatsapp_is_unreachable(pg, base_env, tmp_path):
    tenant, _ = await tenants.create_tenant(
        Actor.operator("tests"),
        "Acme",
        admin_email="owner@acme.test",
        admin_password="a long acme passphrase",
    )
    scope = TenantScope(tenant.id)
    await scope.new(Channel, transport=Transport.WEB, wants_session=True).save()
    env = {
        **os.environ,
        **base_env,
        "B2A_DB_URL": pg.url,
        "B2A_HOME": str(tmp_path),
        "B2A_WHATSAPP_TYPING_DELAY_MS": "0",
        # No proxy, and no way out: WhatsApp cannot be reached even where a network exists.
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.session.neonize_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0 and lines, done.stdout[-2000:] + done.stderr[-4000:]
    probe = json.loads(lines[-1].removeprefix("PROBE "))

    assert probe["attempts"] == 1 and probe["runners"] == []
    assert probe["failures"] == {}, "a channel that never connected is not retried"
    channel = await scope.objects(Channel).first()
    assert channel.state == ChannelState.FAILED and not channel.wants_session
    assert channel.last_error.startswith("WhatsApp cannot be reached from this server: ")
    assert "127.0.0.1" not in channel.last_error and "tcp" not in channel.last_error
    session_db = tmp_path / "whatsapp" / f"{tenant.id}.sqlite3"
    assert session_db.exists() and oct(session_db.stat().st_mode & 0o777) == "0o600"

    shapes = probe["shapes"]
    assert shapes["inbound"]["wa_message_id"] == "REAL1"
    assert shapes["inbound"]["text"] == "hello" and shapes["inbound"]["phone"] == "923001234567"
    assert {"kind": "lid", "value": "19876543210@lid"} in shapes["inbound"]["identities"]
    assert shapes["inbound"]["sent_at"].startswith("2023-11-14T22:13:20")
    assert shapes["group_ignored"] and shapes["image"] == ["image", "menu", "image/jpeg"]
    assert shapes["document"] == ["document", "prices.pdf", "application/pdf", "prices.pdf"]
    assert shapes["document_length"] == 123 and shapes["voice"] == ["audio", "audio/ogg"]
    assert shapes["text_has_no_file"]
    assert shapes["download_any"][:2] == ["self", "message"] and shapes["download_error"]
    assert shapes["reasons"][1] == "LOGGED_OUT" and shapes["reasons"][-1] == "SERVICE_UNAVAILABLE"
    assert shapes["pair_success"] == 2


@pytest.mark.slow
def test_every_kind_reads_the_same_from_neonizes_real_protobufs():
    """The fake's samples, rebuilt with neonize's classes, give the same inbound messages."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.session.neonize_kinds_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0 and lines, done.stdout[-2000:] + done.stderr[-4000:]
    probe = json.loads(lines[-1].removeprefix("PROBE "))

    assert probe["inbound"] == {name: expected(name) for name in SAMPLES}
    assert probe["ignored"] == {name: True for name in IGNORED}
    assert probe["rows"] == {name: True for name in SAMPLES}, "every event row is plain JSON"
    assert probe["raw_unknown"] == {
        "conversation": "",
        "eventMessage": {"name": "Tasting", "description": "Sat 5 pm"},
    }
    assert probe["raw_keyed"] == {
        "imageMessage": {"mimetype": "image/jpeg", "height": 9},
        "messageContextInfo": {},
    }, "keys and thumbnails are not kept"
    assert probe["files"] == {"quoted_image": "image", "sticker": "sticker", "view_once": "image"}
    assert probe["unknown_fields"] == [], "every field b2a names exists in neonize's Message"
    assert probe["protocol_types"] == ["REVOKE", "MESSAGE_EDIT"]
    assert probe["ad_media"] == {"IMAGE": "image", "VIDEO": "video"}
