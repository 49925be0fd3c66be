"""One tenant's WhatsApp-Web session inside `b2a whatsapp`.

The client (neonize, or a fake in tests) runs its blocking ``connect`` in a
thread of its own and reports events from Go's threads; they are queued onto
the event loop and handled one at a time, in order, by this runner:

1. ``start`` waits for the first outcome: connected, a QR code to show (pairing),
   or a failure, which it raises so the session loop backs off. A channel that
   holds no pairing on record (never connected, dropped, logged out) starts
   from a fresh session file.
2. While pairing, each QR code is kept in Redis for 60 s and a requested pairing
   code for 120 s; when no fresh code comes, pairing is over (FAILED, with why).
3. Once connected, messages become inbound events (persisted, then a worker job);
   a message's file is downloaded and staged in the tenant's media directory
   first, so an accepted event never names a file that is not on disk. A
   dropped connection gets a grace period to come back, then the session ends
   and the loop restarts it with capped exponential backoff.
4. A logout from the phone deletes the stored pairing and leaves the channel
   LOGGED_OUT, not wanted: no retry loop. When the tenant drops the channel or
   logs out, the session loop stops the runner; ``stop`` then reads the channel,
   unlinks on WhatsApp's side if connected, and deletes the pairing.

Every state is written through ``web_session.record_state`` (the transition
table); a connection error is kept in the log and shown in plain words only
(``web_messages.unreachable_reason``).

The session state file is a credential: 0600 in a 0700 directory, never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from uuid import UUID

from b2a.inbox import recovery, web_session
from b2a.inbox import service as inbox
from b2a.inbox.media import MAX_BYTES, stage_inbound_media
from b2a.inbox.rules import CONNECT_SECONDS, ChannelMove, ChannelState, Transport
from b2a.lib import events, tracing
from b2a.session.bridge import Bridge
from b2a.session.web_client import ClientFactory, SendFailed, WebClient
from b2a.session.web_kinds import media_part, unwrapped
from b2a.session.web_messages import (
    ban_reason,
    failure_reason,
    media_not_downloaded,
    media_not_saved,
    media_too_large,
    to_inbound,
    unreachable_reason,
    without_links,
)
from b2a.settings import Settings
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import web_relay as relay
from b2a.whatsapp.inbound import InboundMessage

log = logging.getLogger("b2a.whatsapp")

QR_GRACE_SECONDS = 5.0
NO_ANSWER = (
    f"WhatsApp did not answer within {CONNECT_SECONDS} s: this server cannot reach WhatsApp "
    "right now. The operator of this appliance should check its internet connection."
)
STOPPED_BY_SERVICE = (
    "The WhatsApp session service stopped this session (it is restarting, or WhatsApp is "
    "switched off for this business); it connects again when it can."
)
LOGOUT_SECONDS = 10.0
"""How long unlinking on WhatsApp's side may take when the tenant logs out."""
WATCH_SECONDS = 0.5
PAIR_SUCCESS = 2  # neonize PairStatus.SUCCESS
SENDABLE = {"text", "template", "image", "video", "audio", "document"}
DOWNLOAD_PAUSES = (0.5, 1.5)
"""Pauses between download attempts: a network blip passes, an expired link fails fast."""


class Phase(StrEnum):
    """Where the session is in its life."""

    STARTING = "STARTING"
    PAIRING = "PAIRING"
    CONNECTED = "CONNECTED"
    RECONNECTING = "RECONNECTING"
    ENDED = "ENDED"


def session_db_path(settings: Settings, tenant_id: str) -> Path:
    """Where a tenant's WhatsApp-Web credentials live (neonize's SQLite store)."""
    return settings.core.home / "whatsapp" / f"{tenant_id}.sqlite3"


class WebSessionRunner:
    """A ``SessionRunner`` for one tenant's WhatsApp-Web connection."""

    def __init__(
        self,
        tenant_id: str,
        *,
        settings: Settings,
        redis: Any,
        bridge: Bridge,
        make_client: ClientFactory,
    ) -> None:
        self.tenant_id = tenant_id
        self.scope = TenantScope(UUID(tenant_id))
        self.settings = settings
        self.redis = redis
        self.bridge = bridge
        self.make_client = make_client
        self.phase = Phase.STARTING
        self.ended = False
        self._client: WebClient | None = None
        self._thread: threading.Thread | None = None
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._settled = asyncio.Event()
        self._start_error = ""
        self._pending_phone = ""
        self._deadline: float | None = None
        self._send_lock = asyncio.Lock()
        self._inflight: dict[str, asyncio.Future[relay.SendReply]] = {}
        self._own_ids: set[str] = set()
        self._channel_id: UUID | None = None
        self._stopping = False

    @property
    def session_db(self) -> Path:
        """The credential file of the tenant."""
        return session_db_path(self.settings, self.tenant_id)

    @property
    def media_root(self) -> Path:
        """Where every tenant's media directory lives (the worker and the API read it too)."""
        return self.settings.core.media_root

    # Life cycle.

    async def start(self) -> None:
        """Connect, or show a QR code to pair; raise ConnectionError when WhatsApp fails."""
        self._loop = asyncio.get_running_loop()
        channel = await web_session.web_channel(self.scope)
        self._channel_id = channel.id
        self._take_commands_before_connect(await self._queued_commands())
        self._prepare_storage(fresh=channel.connected_at is None)
        reconnect = channel.state == ChannelState.CONNECTED  # left so by a process that died
        move = ChannelMove.LOSE_CONNECTION if reconnect else ChannelMove.START
        await web_session.record_state(self.scope, self.redis, move)
        self._client = self.make_client(self.tenant_id, self.session_db, self._emit)
        self._deadline = time.monotonic() + CONNECT_SECONDS
        self._tasks = [asyncio.create_task(self._consume()), asyncio.create_task(self._watch())]
        self._thread = threading.Thread(
            target=self._run_client, name=f"whatsapp-{self.tenant_id[:8]}", daemon=True
        )
        self._thread.start()
        await self._settled.wait()
        if self._start_error:
            await self._shutdown()
            raise ConnectionError(self._start_error)
        self.bridge.register(self.tenant_id, self)

    async def stop(self) -> None:
        """End the session: the process is stopping, or the tenant no longer wants it.

        A tenant who dropped the channel or logged out wants the pairing gone:
        a connected session unlinks on WhatsApp's side first (within a bound),
        then the session file is deleted. Otherwise the pairing is kept and the
        channel says why the session stopped.
        """
        self._stopping = True
        was_ended, connected = self.ended, self.phase is Phase.CONNECTED
        channel = await web_session.web_channel(self.scope)
        forget = not channel.wants_session and channel.connected_at is None
        if forget and connected and self._client is not None:
            await self._unlink(self._client)
        await self._shutdown()
        await self._clear_codes()
        if forget:
            self._delete_session_files()
        elif not was_ended:
            await web_session.record_state(
                self.scope, self.redis, ChannelMove.FAIL, error=STOPPED_BY_SERVICE
            )

    async def _unlink(self, client: WebClient) -> None:
        try:
            await asyncio.wait_for(asyncio.to_thread(client.logout), LOGOUT_SECONDS)
        except Exception as exc:
            log.warning("tenant %s: WhatsApp did not confirm the logout (%s)", self.tenant_id, exc)

    async def _shutdown(self) -> None:
        self.ended = True
        self.phase = Phase.ENDED
        self.bridge.unregister(self.tenant_id)
        await self._stop_client()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _stop_client(self) -> None:
        client, thread = self._client, self._thread
        if client is None:
            return
        try:
            await asyncio.to_thread(client.stop)
        except Exception as exc:
            log.warning("tenant %s: client did not stop cleanly (%s)", self.tenant_id, exc)
        self._client = None
        if thread is not None:
            # A session stopped mid-pairing keeps neonize busy until its QR codes run out;
            # waiting longer would only hold up the process's stop (see docs/decisions.md).
            await asyncio.to_thread(thread.join, 2)

    def _prepare_storage(self, *, fresh: bool) -> None:
        """Create the credential file 0600 in a 0700 directory before the client opens it.

        ``fresh``: the channel holds no pairing on record, so any file left over
        from a dropped or failed attempt is deleted first.
        """
        if fresh:
            self._delete_session_files()
        directory = self.session_db.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)
        fd = os.open(self.session_db, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        self.session_db.chmod(0o600)

    def _delete_session_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.session_db}{suffix}").unlink()

    async def _queued_commands(self) -> list[dict[str, Any]]:
        commands = []
        while (raw := await self.redis.lpop(relay.commands_key(self.tenant_id))) is not None:
            commands.append(relay_command(raw))
        return commands

    def _take_commands_before_connect(self, commands: list[dict[str, Any]]) -> None:
        """Remember a pairing code asked for while no session ran; the first QR brings it."""
        for command in commands:
            if command.get("op") == relay.PAIR_PHONE:
                self._pending_phone = str(command.get("phone", ""))

    # Events, from the client's threads to this loop.

    def _emit(self, kind: str, event: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody is listening
            self._loop.call_soon_threadsafe(self._events.put_nowait, (kind, event))

    def _run_client(self) -> None:
        assert self._client is not None
        error = ""
        try:
            self._client.connect()
        except Exception as exc:
            error = str(exc) or type(exc).__name__
        self._emit("connect_returned", error)

    async def _consume(self) -> None:
        while True:
            kind, event = await self._events.get()
            try:
                await self._handle(kind, event)
            except Exception:
                log.exception("tenant %s: handling a %s event failed", self.tenant_id, kind)

    async def _handle(self, kind: str, event: Any) -> None:
        if self.ended:
            return
        if kind == "qr":
            await self._on_qr(str(event))
        elif kind == "pair_status":
            await self._on_pair_status(event)
        elif kind == "connected":
            await self._on_connected()
        elif kind == "disconnected":
            await self._on_disconnected()
        elif kind == "message":
            await self._on_message(event)
        elif kind == "connect_returned":
            await self._on_connect_returned(str(event))
        else:
            await self._on_failure(kind, event)

    async def _on_qr(self, code: str) -> None:
        if self.phase not in (Phase.STARTING, Phase.PAIRING):
            return
        first = self.phase is Phase.STARTING
        self.phase = Phase.PAIRING
        self._deadline = max(
            self._deadline or 0.0, time.monotonic() + relay.QR_TTL_SECONDS + QR_GRACE_SECONDS
        )
        await self.redis.set(relay.qr_key(self.tenant_id), code, ex=relay.QR_TTL_SECONDS)
        await events.publish(
            self.redis, self.tenant_id, "whatsapp.qr", expires_in=relay.QR_TTL_SECONDS
        )
        if first:
            await web_session.record_state(self.scope, self.redis, ChannelMove.SHOW_QR)
            self._settled.set()
        if self._pending_phone:
            phone, self._pending_phone = self._pending_phone, ""
            await self._pair(phone)

    async def _pair(self, phone: str) -> None:
        assert self._client is not None
        try:
            code = await asyncio.to_thread(self._client.pair_phone, phone)
        except Exception as exc:
            log.warning("tenant %s: no pairing code from WhatsApp (%s)", self.tenant_id, exc)
            await web_session.record_state(
                self.scope,
                self.redis,
                ChannelMove.SHOW_QR,
                error=f"WhatsApp gave no pairing code for +{phone}: check that it is the "
                "business's WhatsApp number with its country code, or scan the QR code.",
            )
            return
        ttl = relay.PAIRING_CODE_TTL_SECONDS
        await self.redis.set(relay.pairing_code_key(self.tenant_id), code, ex=ttl)
        self._deadline = max(self._deadline or 0.0, time.monotonic() + ttl + QR_GRACE_SECONDS)
        await web_session.record_state(self.scope, self.redis, ChannelMove.SHOW_PAIRING_CODE)
        await events.publish(self.redis, self.tenant_id, "whatsapp.pairing_code", expires_in=ttl)

    async def _on_pair_status(self, event: Any) -> None:
        if int(event.Status) == PAIR_SUCCESS:
            log.info("tenant %s: paired with a phone", self.tenant_id)
            # WhatsApp now restarts the connection; give it the usual time to come back.
            self._deadline = time.monotonic() + CONNECT_SECONDS
            await self._clear_codes()
            return
        log.warning("tenant %s: pairing failed (%s)", self.tenant_id, event.Error)
        await web_session.record_state(
            self.scope,
            self.redis,
            ChannelMove.SHOW_QR,
            error="The phone could not be linked. Scan the QR code again, or ask for a new "
            "pairing code.",
        )

    async def _on_connected(self) -> None:
        self.phase = Phase.CONNECTED
        self._deadline = None
        await self._clear_codes()
        await web_session.record_state(self.scope, self.redis, ChannelMove.CONNECT)
        log.info("tenant %s: WhatsApp-Web connected", self.tenant_id)
        self._settled.set()

    async def _on_disconnected(self) -> None:
        if self.phase is not Phase.CONNECTED:
            return
        self.phase = Phase.RECONNECTING
        self._deadline = time.monotonic() + CONNECT_SECONDS
        await web_session.record_state(
            self.scope,
            self.redis,
            ChannelMove.LOSE_CONNECTION,
            error="The connection to WhatsApp dropped; reconnecting.",
        )

    async def _on_connect_returned(self, error: str) -> None:
        if self._stopping:
            return
        log.warning("tenant %s: connecting to WhatsApp ended (%s)", self.tenant_id, error)
        await self._end(ChannelMove.FAIL, unreachable_reason(error))

    async def _on_failure(self, kind: str, event: Any) -> None:
        if kind == "logged_out":
            await self._end(
                ChannelMove.LOG_OUT,
                f"The phone logged this appliance out ({failure_reason(event.Reason)}). "
                "Pair again with a QR code or a pairing code.",
                forget=True,
            )
        elif kind == "temporary_ban":
            await self._end(ChannelMove.FAIL, ban_reason(event.Code, event.Expire))
        elif kind == "connect_failure":
            log.warning("tenant %s: WhatsApp refused (%s)", self.tenant_id, event.Message)
            await self._end(ChannelMove.FAIL, f"{failure_reason(event.Reason)}.")
        elif kind == "stream_replaced":
            await self._end(
                ChannelMove.FAIL,
                "Another WhatsApp Web client using this pairing took over the connection.",
            )
        elif kind == "client_outdated":
            await self._end(ChannelMove.FAIL, f"{failure_reason(6)}.")

    async def _end(self, move: ChannelMove, error: str, *, forget: bool = False) -> None:
        """The session is over by itself: stop, record why, and let the loop reap it."""
        if self.phase is Phase.STARTING and not self._settled.is_set():
            self._start_error = error
        self.ended = True  # nothing else is handled; the page learns why before the cleanup
        await self._clear_codes()
        await web_session.record_state(self.scope, self.redis, move, error=error)
        await self._shutdown()
        if forget:
            self._delete_session_files()
        log.info("tenant %s: session ended (%s)", self.tenant_id, move)
        self._settled.set()
        self.bridge.wake()

    async def _watch(self) -> None:
        """End a connection, reconnection or pairing that takes longer than its bound."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if self._deadline is None or time.monotonic() < self._deadline:
                continue
            self._deadline = None
            if self.phase is Phase.STARTING:
                await self._end(ChannelMove.FAIL, NO_ANSWER)
            elif self.phase is Phase.PAIRING:
                await self._end(
                    ChannelMove.FAIL,
                    "No phone was linked while the code was shown. Start again for a new code.",
                )
            elif self.phase is Phase.RECONNECTING:
                await self._end(
                    ChannelMove.FAIL,
                    f"The connection to WhatsApp dropped and did not come back within "
                    f"{CONNECT_SECONDS} s.",
                )

    async def _clear_codes(self) -> None:
        await self.redis.delete(
            relay.qr_key(self.tenant_id), relay.pairing_code_key(self.tenant_id)
        )

    # Inbound.

    async def _on_message(self, event: Any) -> None:
        # A trace of its own per message, as a webhook delivery is (b2a.lib.tracing).
        attributes = {"b2a.tenant_id": self.tenant_id}
        with tracing.span(
            "whatsapp_web.message", kind="consumer", parent={}, attributes=attributes
        ):
            await self._accept_message(event)

    async def _accept_message(self, event: Any) -> None:
        assert self._channel_id is not None
        message = to_inbound(event, allow_groups=await web_session.allows_group_chats(self.scope))
        if message is None or message.wa_message_id in self._own_ids:
            return
        proto = unwrapped(event.Message)
        part = media_part(proto)
        if part is not None:
            if await inbox.inbound_accepted(self.scope, message.wa_message_id):
                return  # a redelivery: the first delivery was kept, with its file
            message = await self._with_media(proto, part, message)
        event_id = await inbox.accept_inbound(self.scope, self._channel_id, Transport.WEB, message)
        if event_id is None:
            return
        try:
            await recovery.enqueue_event("process_inbound", self.scope.tenant_id, event_id)
        except Exception as exc:  # persisted: the worker's sweep enqueues it later
            log.warning("tenant %s: inbound event queued later (%s)", self.tenant_id, exc)

    async def _with_media(
        self, proto: Any, part: tuple[str, Any], message: InboundMessage
    ) -> InboundMessage:
        """The message with its file staged on disk, or with why it has none.

        Either way the message is accepted: a customer's caption or the fact that
        they sent something is never lost because the file could not be kept.
        """
        kind, media = part
        declared = int(getattr(media, "fileLength", 0) or 0)
        if declared > MAX_BYTES:
            log.warning(
                "tenant %s: %s of message %s not downloaded (%d bytes)",
                self.tenant_id,
                kind,
                message.wa_message_id,
                declared,
            )
            return replace(message, media_error=media_too_large(kind, declared, MAX_BYTES))
        try:
            content = await self._download(proto)
        except Exception as exc:
            cause = without_links(str(exc) or type(exc).__name__)
            log.warning(
                "tenant %s: %s of message %s could not be downloaded (%s)",
                self.tenant_id,
                kind,
                message.wa_message_id,
                cause,
            )
            return replace(message, media_error=media_not_downloaded(kind, cause))
        try:
            staged = await asyncio.to_thread(
                stage_inbound_media,
                self.media_root,
                self.scope.tenant_id,
                message.wa_message_id,
                content,
            )
        except Exception as exc:
            log.warning(
                "tenant %s: %s of message %s could not be saved (%s)",
                self.tenant_id,
                kind,
                message.wa_message_id,
                exc,
            )
            return replace(message, media_error=media_not_saved(kind, str(exc)))
        return replace(message, media_file=staged)

    async def _download(self, proto: Any) -> bytes:
        """The file, trying again after short pauses; the last failure is raised."""
        assert self._client is not None
        client = self._client
        for pause in DOWNLOAD_PAUSES:
            try:
                return await asyncio.to_thread(client.download_media, proto)
            except Exception as exc:
                log.info(
                    "tenant %s: media download failed, retrying (%s)",
                    self.tenant_id,
                    without_links(str(exc)),
                )
                await asyncio.sleep(pause)
        return await asyncio.to_thread(client.download_media, proto)

    # Commands and sends, from the bridge.

    async def on_command(self, command: dict[str, Any]) -> None:
        """Ask WhatsApp for a pairing code (the only command; drop and logout need none)."""
        if command.get("op") != relay.PAIR_PHONE:
            return
        phone = str(command.get("phone", ""))
        if self.phase is Phase.PAIRING:
            await self._pair(phone)
        elif self.phase is Phase.STARTING:
            self._pending_phone = phone
        else:
            log.info("tenant %s: pairing code asked for while %s", self.tenant_id, self.phase)

    async def on_send(self, request: dict[str, Any]) -> None:
        """Send one message at most once and answer on its reply list."""
        reply = await self._send_once(request)
        key = relay.reply_key(str(request["id"]))
        await self.redis.rpush(key, reply.to_json())
        await self.redis.expire(key, relay.REPLY_TTL_SECONDS)

    async def _send_once(self, request: dict[str, Any]) -> relay.SendReply:
        ref = str(request.get("ref") or "")
        if not ref:
            return await self._deliver(request, "")
        if ref in self._inflight:  # a resend while the first attempt is still going
            return await asyncio.shield(self._inflight[ref])
        future: asyncio.Future[relay.SendReply] = self._loop.create_future()
        self._inflight[ref] = future
        try:
            reply = await self._claimed_send(request, ref)
        except Exception as exc:
            reply = relay.SendReply(error=f"WhatsApp-Web could not send: {exc}", code="WEB_ERROR")
        finally:
            del self._inflight[ref]
        future.set_result(reply)
        return reply

    async def _claimed_send(self, request: dict[str, Any], ref: str) -> relay.SendReply:
        key = relay.sent_key(self.tenant_id, ref)
        if not await self.redis.set(key, relay.SENDING, nx=True, ex=relay.SENT_TTL_SECONDS):
            recorded = await self.redis.get(key)
            if recorded and recorded != relay.SENDING:
                return relay.SendReply(wa_message_id=str(recorded))
            return relay.SendReply(
                error="An earlier attempt to send this message was cut off; WhatsApp may "
                "have it, so it was not sent again.",
                code="WEB_MAYBE_SENT",
                permanent=True,
                maybe_sent=True,
            )
        reply = await self._deliver(request, key)
        if reply.wa_message_id:
            await self.redis.set(key, reply.wa_message_id, ex=relay.SENT_TTL_SECONDS)
        elif not reply.maybe_sent:
            await self.redis.delete(key)
        return reply

    async def _deliver(self, request: dict[str, Any], key: str) -> relay.SendReply:
        kind = str(request.get("kind") or "text")
        if kind not in SENDABLE or (kind == "template" and not request.get("text")):
            return relay.SendReply(
                error=f"WhatsApp-Web cannot send a {kind} message; send text or media instead.",
                code="WEB_UNSUPPORTED",
                permanent=True,
            )
        if self.phase is not Phase.CONNECTED or self._client is None:
            return relay.SendReply(
                error="WhatsApp-Web is not connected right now; the message will be retried.",
                code="WEB_NOT_CONNECTED",
            )
        async with self._send_lock:  # one at a time per number, each after its typing pause
            await self._typing_pause(str(request["to"]))
            try:
                wa_id = await asyncio.to_thread(self._send_with_client, self._client, request)
            except SendFailed as exc:
                return relay.SendReply(
                    error=f"WhatsApp did not take the message: {exc}",
                    code="WEB_SEND_FAILED",
                    permanent=exc.maybe_sent,
                    maybe_sent=exc.maybe_sent,
                )
        self._own_ids.add(wa_id)
        return relay.SendReply(wa_message_id=wa_id)

    def _send_with_client(self, client: WebClient, request: dict[str, Any]) -> str:
        to, kind, text = str(request["to"]), str(request["kind"]), str(request.get("text") or "")
        if kind in ("text", "template"):
            return client.send_text(to, text)
        path = Path(str(request["media_path"]))
        if not path.is_absolute():
            path = self.media_root / self.tenant_id / path
        return client.send_media(to, kind, str(path), text, str(request.get("filename") or ""))

    async def _typing_pause(self, to: str) -> None:
        """Show 'typing…' for the configured delay; presence trouble never holds a send up."""
        delay = self.settings.whatsapp.typing_delay_ms / 1000
        if delay <= 0 or self._client is None:
            return
        client = self._client
        presence = asyncio.create_task(asyncio.to_thread(client.set_typing, to, True))
        presence.add_done_callback(self._log_presence_failure)
        await asyncio.sleep(delay)

    def _log_presence_failure(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.info("tenant %s: typing indicator failed (%s)", self.tenant_id, task.exception())


def relay_command(raw: str) -> dict[str, Any]:
    """A queued command; an unreadable one becomes a no-op."""
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
