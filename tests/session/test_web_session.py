"""The WhatsApp-Web session end to end, with a fake client in place of neonize.

The session process runs for real (loop, leases, bridge, Redis, the database);
only the WhatsApp connection is the fake from ``tests/fakes/web_client.py``.
"""

import asyncio
import contextlib
import json
import stat

import pytest

from b2a.assistant.tables import AssistantConfig
from b2a.errors import Forbidden, Invalid, TransportError
from b2a.inbox import web_session
from b2a.inbox.rules import ChannelMove, ChannelState, Owner, Transport
from b2a.inbox.tables import Channel, Conversation, InboundEvent, Message
from b2a.session.bridge import Bridge
from b2a.session.main import SessionProcess
from b2a.session.process import wanted_tenants, web_runners
from b2a.session.web_runner import session_db_path
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp import web_relay as relay
from b2a.whatsapp.inbound import InboundMessage
from b2a.whatsapp.transport import Outbound
from b2a.whatsapp.web_relay import WebRelayTransport
from tests.fakes.web_client import FakeWhatsApp, Proto, media, message_event
from tests.fakes.web_samples import IGNORED, SAMPLES, expected, shape
from tests.pipeline import eventually, installed_queue, running_worker

CUSTOMER_JID = "923001234567@s.whatsapp.net"


@pytest.fixture(autouse=True)
async def quiet_assistant(cast):
    """These tests are about the session: the assistant's answers (and hand-offs) stay out."""
    await TenantScope(cast.acme_owner.tenant_id).new(AssistantConfig, enabled=False).save()


@pytest.fixture
def settings(make_settings, db, tmp_path):
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WHATSAPP_LEASE_SECONDS="3",
        B2A_WHATSAPP_TYPING_DELAY_MS="0",
    )


@contextlib.asynccontextmanager
async def session_process(settings, redis, fake):
    """A running `b2a whatsapp` loop and bridge, with ``fake`` connecting to WhatsApp."""
    bridge = Bridge(redis)
    process = SessionProcess(
        settings, redis, wanted_tenants, web_runners(settings, redis, bridge, fake), instance="p1"
    )
    bridge.wake = process.wake
    pump = asyncio.create_task(bridge.run())
    loop = asyncio.create_task(process.run())
    try:
        yield process
    finally:
        process.request_stop()
        await asyncio.wait_for(loop, 15)
        await bridge.stop()
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump


async def _state(scope):
    return await scope.objects(Channel).where(Channel.transport == Transport.WEB).first()


async def _in_state(scope, state):
    channel = await _state(scope)
    return channel if channel is not None and channel.state == state else None


async def test_start_shows_a_qr_for_60_seconds_and_connecting_clears_it(cast, redis, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp(default="qr")
    await web_session.start_session(scope, redis)
    async with session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.WAITING_FOR_QR_SCAN))
        view = await web_session.session_view(scope, redis)
        assert view.qr == "2@fake-qr-code,abc,def" and view.running and view.service_up
        assert 55 <= view.qr_expires_in <= 60 and view.seconds_left == view.qr_expires_in

        await web_session.request_pairing_code(scope, redis, "+92 300 1234567")
        await eventually(lambda: _pairing_code(scope, redis))
        view = await web_session.session_view(scope, redis)
        assert view.pairing_code == "ABCD1234" and 115 <= view.pairing_code_expires_in <= 120
        assert view.state == ChannelState.WAITING_FOR_PAIRING_CODE

        fake.last(scope.tenant_id).emit("connected", None)
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        view = await web_session.session_view(scope, redis)
        assert view.qr is None and view.pairing_code is None and view.last_error == ""


async def _pairing_code(scope, redis):
    return (await web_session.session_view(scope, redis)).pairing_code


async def test_the_session_file_is_readable_by_its_owner_only(cast, redis, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await web_session.start_session(scope, redis)
    async with session_process(settings, redis, FakeWhatsApp()):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
    path = session_db_path(settings, str(scope.tenant_id))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_a_pairing_code_needs_an_international_number(cast, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    for bad in ("03001234567", "+12345", "+92 300 CALL ME", "+1234567890123456"):
        with pytest.raises(Invalid) as error:
            await web_session.request_pairing_code(scope, redis, bad)
        assert error.value.field == "phone"
    assert await _state(scope) is None


async def test_suspended_or_whatsapp_disabled_tenants_cannot_start(cast, redis):
    acme, globex = cast.acme_owner.tenant_id, cast.globex_owner.tenant_id
    await Tenant.update({Tenant.status: TenantStatus.SUSPENDED}).where(Tenant.id == acme).run()
    await Tenant.update({Tenant.whatsapp_enabled: False}).where(Tenant.id == globex).run()
    with pytest.raises(Forbidden) as suspended:
        await web_session.start_session(TenantScope(acme), redis)
    with pytest.raises(Forbidden) as disabled:
        await web_session.request_pairing_code(TenantScope(globex), redis, "+923001234567")
    assert suspended.value.code == "TENANT_SUSPENDED"
    assert disabled.value.code == "WHATSAPP_DISABLED"
    assert await wanted_tenants() == []


async def test_messages_are_persisted_and_queued_and_phone_echoes_hand_over_to_humans(
    cast, redis, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with running_worker(settings), session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        client.emit(
            "message",
            message_event(
                id="M1",
                chat="19876543210@lid",
                sender_alt=CUSTOMER_JID,
                text="Do you deliver?",
                pushname="Ayesha",
            ),
        )
        await eventually(lambda: scope.exists(Message))
        client.emit(
            "message",
            message_event(
                id="M2",
                chat="19876543210@lid",
                recipient_alt=CUSTOMER_JID,
                text="Yes, today",
                from_me=True,
                pushname="Acme",
            ),
        )
        conversation = await eventually(lambda: _owned_by_humans(scope))
    messages = await scope.objects(Message).order_by(Message.wa_message_id)
    assert [(m.text, m.direction, m.wa_message_id) for m in messages] == [
        ("Do you deliver?", "INBOUND", "M1"),
        ("Yes, today", "OUTBOUND", "M2"),
    ]
    assert conversation.owner_reason == "a reply was typed on the paired phone"
    events = await scope.objects(InboundEvent)
    assert {e.source for e in events} == {Transport.WEB}


async def _owned_by_humans(scope):
    conversation = await scope.objects(Conversation).first()
    return conversation if conversation and conversation.owner == Owner.HUMAN else None


PHOTO = b"\xff\xd8\xff\xe0 a photo of the cake"
PDF = b"%PDF-1.7 the price list"
VOICE = b"OggS a voice note"


async def _with_file(scope, wa_id):
    message = await scope.objects(Message).where(Message.wa_message_id == wa_id).first()
    return message if message is not None and message.media_path else None


async def _stored(scope, wa_id):
    return await scope.objects(Message).where(Message.wa_message_id == wa_id).first()


async def test_files_customers_send_are_kept_on_their_messages_in_the_tenants_own_directory(
    cast, redis, settings, tmp_path
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with running_worker(settings), session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        client.media.update({"/v/photo": PHOTO, "/v/prices": PDF, "/v/voice": VOICE})
        sent = {
            "IMG1": media("image", "/v/photo", mimetype="image/jpeg", caption="this cake?"),
            "DOC1": media(
                "document", "/v/prices", mimetype="application/pdf", file_name="prices.pdf"
            ),
            "PTT1": media("audio", "/v/voice", mimetype="audio/ogg; codecs=opus"),
        }
        for wa_id, attachment in sent.items():
            client.emit(
                "message", message_event(id=wa_id, chat=CUSTOMER_JID, attachment=attachment)
            )
        image, document, voice = [
            await eventually(lambda wa_id=wa_id: _with_file(scope, wa_id)) for wa_id in sent
        ]
    tenant_dir = tmp_path / "media" / str(scope.tenant_id)
    expected = [
        (image, "image", "this cake?", "image/jpeg", PHOTO),
        (document, "document", "prices.pdf", "application/pdf", PDF),
        (voice, "audio", "[audio]", "audio/ogg; codecs=opus", VOICE),
    ]
    for message, kind, text, mime, content in expected:
        assert (message.kind, message.text, message.media_mime) == (kind, text, mime)
        path = tenant_dir / message.media_path
        assert path.read_bytes() == content and message.media_size == len(content)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert message.media_path.startswith(f"{message.created_at:%Y/%m}/{message.id}")
        assert message.error_code == "" and message.error_detail == ""
    assert document.media_path.endswith(".pdf") and image.media_path.endswith(".jpg")
    assert list((tenant_dir / "inbound").iterdir()) == [], "every staged file was adopted"
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == [str(scope.tenant_id)]


async def test_a_file_whatsapp_will_not_hand_over_still_stores_the_message_with_the_reason(
    cast, redis, settings, caplog
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with running_worker(settings), session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        client.media["/v/blip"] = PHOTO
        client.download_failures = 1  # one network blip, then WhatsApp answers
        blip = media("image", "/v/blip", mimetype="image/jpeg")
        client.emit("message", message_event(id="IMG1", chat=CUSTOMER_JID, attachment=blip))
        expired = media("video", "/v/expired", mimetype="video/mp4", caption="the shop front")
        client.emit("message", message_event(id="VID1", chat=CUSTOMER_JID, attachment=expired))
        huge = media(
            "document", "/v/huge", mimetype="application/zip", file_length=300 * 1024 * 1024
        )
        client.emit("message", message_event(id="DOC1", chat=CUSTOMER_JID, attachment=huge))
        recovered = await eventually(lambda: _with_file(scope, "IMG1"))
        video = await eventually(lambda: _stored(scope, "VID1"))
        document = await eventually(lambda: _stored(scope, "DOC1"))
    assert recovered.media_size == len(PHOTO) and recovered.error_detail == ""
    assert client.downloads == ["/v/blip", "/v/blip"] + ["/v/expired"] * 3, "no /v/huge"
    assert video.text == "the shop front" and video.media_path == ""
    assert video.state == "RECEIVED" and video.error_code == "MEDIA_NOT_SAVED"
    assert video.error_detail.startswith("The video could not be downloaded from WhatsApp (")
    assert video.error_detail.endswith("ask the customer to send it again.")
    assert "SECRET-TOKEN" not in video.error_detail and "410 Gone" in video.error_detail
    assert document.text == "[document]" and document.media_path == ""
    assert "it is 300 MB" in document.error_detail and "up to 100 MB" in document.error_detail
    assert "could not be downloaded" in caplog.text and "SECRET-TOKEN" not in caplog.text
    conversation = await scope.objects(Conversation).first()
    assert conversation.unread_count == 3, "every message counts, with or without its file"


async def test_a_redelivered_media_message_is_downloaded_and_stored_once(
    cast, redis, settings, tmp_path
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    photo = media("image", "/v/photo", mimetype="image/jpeg", caption="again?")
    event = message_event(id="IMG1", chat=CUSTOMER_JID, attachment=photo)
    staging = tmp_path / "media" / str(scope.tenant_id) / "inbound"
    async with session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        client.media["/v/photo"] = PHOTO
        async with installed_queue(settings):  # accepted, not yet stored by a worker
            client.emit("message", event)
            await eventually(lambda: scope.exists(InboundEvent))
            client.emit("message", event)
            client.emit("message", message_event(id="T1", chat=CUSTOMER_JID, text="marker"))
            await eventually(
                lambda: scope.exists(InboundEvent).where(InboundEvent.dedupe_key == "msg:T1")
            )
            assert [p.name for p in staging.iterdir()] == ["IMG1"]
        async with running_worker(settings):
            message = await eventually(lambda: _with_file(scope, "IMG1"))
            client.emit("message", event)  # and once more after the file was adopted
            client.emit("message", message_event(id="T2", chat=CUSTOMER_JID, text="marker"))
            await eventually(lambda: _stored(scope, "T2"))
    assert client.downloads == ["/v/photo"]
    assert await scope.count(Message).where(Message.wa_message_id == "IMG1").run() == 1
    assert await scope.count(InboundEvent).run() == 3
    stored = await _stored(scope, "IMG1")
    assert stored.media_path == message.media_path and stored.media_size == len(PHOTO)
    assert (staging.parent / stored.media_path).read_bytes() == PHOTO
    assert list(staging.iterdir()) == []


async def test_group_chats_and_status_posts_are_ignored_unless_the_tenant_allows_them(
    cast, redis, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with installed_queue(settings) as queue, session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        group = dict(chat="120363@g.us", sender=CUSTOMER_JID, is_group=True, pushname="Ali")
        client.emit("message", message_event(id="G1", text="hi all", **group))
        client.emit("message", message_event(id="S1", chat="status@broadcast", text="my day"))
        client.emit("message", message_event(id="D1", chat=CUSTOMER_JID, text="direct"))
        await eventually(lambda: scope.exists(InboundEvent))  # events are handled in order
        assert [e.dedupe_key for e in await scope.objects(InboundEvent)] == ["msg:D1"]
        event = await scope.objects(InboundEvent).first()
        assert await queue.job(f"process_inbound:{event.id}") is not None

        await Tenant.update({Tenant.allow_group_chats: True}).where(Tenant.id == scope.tenant_id)
        client.emit("message", message_event(id="G2", text="hi again", **group))
        await eventually(
            lambda: scope.exists(InboundEvent).where(InboundEvent.dedupe_key == "msg:G2")
        )
    row = await scope.objects(InboundEvent).where(InboundEvent.dedupe_key == "msg:G2").first()
    payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
    assert payload["text"] == "Ali: hi again"
    assert payload["identities"] == [{"kind": "jid", "value": "120363@g.us"}]


STICKER = b"RIFF\x00\x00\x00\x00WEBPVP8 a sticker"


async def _accepted(scope) -> dict[str, InboundMessage]:
    rows = await scope.objects(InboundEvent)
    payloads = [r.payload if isinstance(r.payload, dict) else json.loads(r.payload) for r in rows]
    return {p["wa_message_id"]: InboundMessage.from_json(p) for p in payloads}


async def test_every_kind_is_accepted_in_its_shape_and_stickers_are_kept_like_photos(
    cast, redis, settings, tmp_path
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with installed_queue(settings), session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        client.media.update({"/v/sticker": STICKER, "/v/cake": PHOTO, "/v/once": PHOTO})
        for event in (*IGNORED.values(), *SAMPLES.values()):
            client.emit("message", event)
        client.emit("message", message_event(id="LAST", chat=CUSTOMER_JID, text="marker"))
        await eventually(
            lambda: scope.exists(InboundEvent).where(InboundEvent.dedupe_key == "msg:LAST")
        )
    accepted = await _accepted(scope)
    assert sorted(accepted) == sorted([e.Info.ID for e in SAMPLES.values()] + ["LAST"])
    for name, event in SAMPLES.items():
        assert shape(accepted[event.Info.ID]) == expected(name), name
    sticker = accepted[SAMPLES["sticker"].Info.ID]
    tenant_dir = tmp_path / "media" / str(scope.tenant_id)
    assert (tenant_dir / sticker.media_file).read_bytes() == STICKER
    assert sticker.media_error == ""
    once = accepted[SAMPLES["view_once"].Info.ID]
    assert (tenant_dir / once.media_file).read_bytes() == PHOTO
    assert sorted(client.downloads) == ["/v/cake", "/v/once", "/v/sticker"]


async def test_an_unlinked_device_asks_to_pair_again_and_is_not_restarted(cast, redis, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with session_process(settings, redis, fake) as process:
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        path = session_db_path(settings, str(scope.tenant_id))
        assert path.exists()
        fake.last(scope.tenant_id).emit("logged_out", Proto(Reason=2, OnConnect=False))
        channel = await eventually(lambda: _in_state(scope, ChannelState.LOGGED_OUT))
        await eventually(lambda: _no_runners(process))
        await asyncio.sleep(2.5)  # several ticks: nothing restarts it
    assert not channel.wants_session and "Pair again" in channel.last_error
    assert not path.exists()
    assert len(fake.clients[str(scope.tenant_id)]) == 1
    assert await redis.get(relay.qr_key(str(scope.tenant_id))) is None


async def _no_runners(process):
    return not process.runners and not process._starting


async def test_logout_unlinks_on_whatsapp_and_forgets_the_pairing(cast, redis, settings):
    """The channel is logged out at once; the session process then unlinks and forgets."""
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with session_process(settings, redis, fake) as process:
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        view = await web_session.logout_session(scope, redis)
        assert view.state == ChannelState.LOGGED_OUT and not view.wants_session, "at once"
        await eventually(lambda: _no_runners(process))
    assert fake.last(scope.tenant_id).logged_out
    assert not session_db_path(settings, str(scope.tenant_id)).exists()


async def test_one_tenants_crashing_client_does_not_affect_another(cast, redis, settings):
    acme = TenantScope(cast.acme_owner.tenant_id)
    globex = TenantScope(cast.globex_owner.tenant_id)
    fake = FakeWhatsApp(scripts={str(acme.tenant_id): "crash"})
    for scope in (acme, globex):
        await web_session.start_session(scope, redis)
    async with installed_queue(settings), session_process(settings, redis, fake) as process:
        await eventually(lambda: _in_state(globex, ChannelState.CONNECTED))
        channel = await eventually(lambda: _in_state(acme, ChannelState.FAILED))
        assert "nil pointer" not in channel.last_error, "never a raw library error"
        assert channel.last_error.startswith("WhatsApp cannot be reached from this server")
        client = fake.last(globex.tenant_id)
        client.emit("message", "not a message event")  # a handler that blows up
        client.emit("message", message_event(id="OK1", chat=CUSTOMER_JID, text="still here"))
        await eventually(lambda: globex.exists(InboundEvent))
        assert list(process.runners) == [str(globex.tenant_id)]
        # It never connected: no retry loop, the tenant decides (try again, or drop it).
        await asyncio.sleep(2.5)
        assert len(fake.clients[str(acme.tenant_id)]) == 1
    assert not (await _state(acme)).wants_session


async def test_a_session_that_connected_once_retries_by_itself_with_backoff(cast, redis, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    async with session_process(settings, redis, fake) as process:
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        fake.scripts[str(scope.tenant_id)] = "unreachable"
        fake.last(scope.tenant_id).emit("connect_failure", Proto(Reason=10, Message="503"))
        channel = await eventually(lambda: _in_state(scope, ChannelState.FAILED))
        assert channel.wants_session and channel.connected_at is not None
        assert channel.last_error == "WhatsApp is unavailable right now."
        view = await web_session.session_view(scope, redis)
        assert view.retrying
        await eventually(lambda: _clients(fake, scope, 2))
        failures = process._backoff[str(scope.tenant_id)].failures
        assert failures >= 1 and len(fake.clients[str(scope.tenant_id)]) <= failures + 1
        # Trying again by hand skips the pause and the session connects.
        fake.scripts[str(scope.tenant_id)] = "connected"
        await web_session.start_session(scope, redis)
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
    assert session_db_path(settings, str(scope.tenant_id)).exists(), "the pairing is kept"


async def _clients(fake, scope, count):
    return len(fake.clients.get(str(scope.tenant_id), [])) >= count


async def test_dropping_a_waiting_session_is_immediate_and_forgets_the_attempt(
    cast, redis, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp(default="qr")
    await web_session.start_session(scope, redis)
    async with session_process(settings, redis, fake) as process:
        await eventually(lambda: _in_state(scope, ChannelState.WAITING_FOR_QR_SCAN))
        view = await web_session.drop_session(scope, redis)
        assert view.state == ChannelState.NOT_SET_UP and view.qr is None and not view.wants_session
        await eventually(lambda: _no_runners(process))
        # A late report from the session cannot bring a dropped channel back.
        assert await web_session.record_state(scope, redis, ChannelMove.CONNECT) is None
    assert (await _state(scope)).state == ChannelState.NOT_SET_UP
    assert not session_db_path(settings, str(scope.tenant_id)).exists()


async def test_a_send_goes_through_the_session_once_even_when_resent(cast, redis, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    transport = WebRelayTransport(redis, str(scope.tenant_id), timeout=5)
    message = Outbound(to=CUSTOMER_JID, text="Your order is ready", ref="msg-1")
    async with session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        first = await transport.send(message)
        again, concurrent = await asyncio.gather(transport.send(message), transport.send(message))
        other = await transport.send(Outbound(to=CUSTOMER_JID, text="Thanks", ref="msg-2"))
    assert first.wa_message_id == again.wa_message_id == concurrent.wa_message_id == "WA1"
    assert other.wa_message_id == "WA2"
    assert fake.last(scope.tenant_id).sent == [
        (CUSTOMER_JID, "Your order is ready"),
        (CUSTOMER_JID, "Thanks"),
    ]


async def test_typing_is_shown_before_a_send_and_its_failure_never_blocks_it(
    cast, redis, make_settings, db, tmp_path
):
    settings = make_settings(
        B2A_DB_URL=db.url, B2A_HOME=str(tmp_path), B2A_WHATSAPP_TYPING_DELAY_MS="50"
    )
    scope = TenantScope(cast.acme_owner.tenant_id)
    fake = FakeWhatsApp()
    await web_session.start_session(scope, redis)
    transport = WebRelayTransport(redis, str(scope.tenant_id), timeout=5)
    async with session_process(settings, redis, fake):
        await eventually(lambda: _in_state(scope, ChannelState.CONNECTED))
        client = fake.last(scope.tenant_id)
        await transport.send(Outbound(to=CUSTOMER_JID, text="one", ref="r1"))
        client.typing_fails = True
        sent = await transport.send(Outbound(to=CUSTOMER_JID, text="two", ref="r2"))
    assert client.typing == [CUSTOMER_JID] and sent.wa_message_id == "WA2"


async def test_a_send_with_no_session_running_fails_transiently_and_unsent(redis):
    transport = WebRelayTransport(redis, "t-without-session", timeout=5)
    with pytest.raises(TransportError) as error:
        await transport.send(Outbound(to=CUSTOMER_JID, text="hi", ref="r"))
    assert not error.value.permanent and not error.value.maybe_sent
    assert await redis.llen(relay.sends_key("t-without-session")) == 0


async def test_a_send_nobody_picks_up_is_taken_back_and_known_unsent(redis):
    await redis.set("b2a:lease:whatsapp:t1", "a-stuck-process")
    transport = WebRelayTransport(redis, "t1", timeout=0.5)
    with pytest.raises(TransportError) as error:
        await transport.send(Outbound(to=CUSTOMER_JID, text="hi", ref="r"))
    assert not error.value.permanent and not error.value.maybe_sent
    assert await redis.llen(relay.sends_key("t1")) == 0


async def test_a_send_picked_up_but_not_answered_may_have_gone(redis):
    await redis.set("b2a:lease:whatsapp:t1", "a-slow-process")
    transport = WebRelayTransport(redis, "t1", timeout=0.5)
    taker = asyncio.create_task(redis.blpop([relay.sends_key("t1")], timeout=2))
    with pytest.raises(TransportError) as error:
        await transport.send(Outbound(to=CUSTOMER_JID, text="hi", ref="r"))
    await taker
    assert error.value.maybe_sent and not error.value.permanent
