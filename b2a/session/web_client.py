"""The small surface of neonize that a WhatsApp-Web session uses, and its real implementation.

``WebClient`` is what the session runner needs; ``NeonizeClient`` provides it
with neonize's synchronous client, and the tests provide it with a fake. Every
method blocks (neonize calls into Go), so the runner calls them in threads.
Events arrive on Go's threads as ``emit(kind, event)`` with neonize's own event
objects; the runner reads them (``b2a.session.web_messages``).

neonize is imported only when a real client is built, inside the session
process: importing it starts a Go runtime, after which ``fork`` hangs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("b2a.whatsapp")

Emit = Callable[[str, Any], None]
"""``emit(kind, event)``: kinds are qr, pair_status, connected, disconnected, logged_out,
connect_failure, temporary_ban, stream_replaced, client_outdated, message."""

# neonize's Go side keeps its clients in unguarded maps written when a session
# starts and stops; two sessions starting at once can corrupt them and crash the
# process. Starts and stops therefore take turns. The maps are written in the
# first moments of a start, so the turn ends at the first sign of life.
_GO_REGISTRY = threading.Lock()
REGISTRY_HOLD_SECONDS = 5.0


class SendFailed(Exception):
    """WhatsApp did not take the message; ``maybe_sent`` when it may have anyway."""

    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class DownloadFailed(Exception):
    """WhatsApp did not hand over a message's file (its link expired, or the network failed)."""


class WebClient(Protocol):
    """One tenant's WhatsApp-Web connection."""

    def connect(self) -> None:
        """Connect and run until ``stop``; raise when the connection cannot be made."""

    def stop(self) -> None:
        """Close the connection and make ``connect`` return; keeps the pairing."""

    def logout(self) -> None:
        """Unlink this device from the WhatsApp account."""

    def pair_phone(self, phone: str) -> str:
        """Ask WhatsApp for an 8-character pairing code for this phone number."""

    def send_text(self, to: str, text: str) -> str:
        """Send text to a JID (or phone digits); the WhatsApp message id."""

    def send_media(self, to: str, kind: str, path: str, caption: str, filename: str) -> str:
        """Send a local file as image, video, audio or document; the WhatsApp message id."""

    def set_typing(self, to: str, typing: bool) -> None:
        """Show or clear 'typing…' in the chat."""

    def download_media(self, message: Any) -> bytes:
        """The decrypted file of a received message (the event's ``Message``).

        Raises:
            DownloadFailed: WhatsApp's media servers did not deliver it.
        """


ClientFactory = Callable[[str, Path, Emit], WebClient]
"""``factory(tenant_id, session_db_path, emit)`` builds a tenant's client."""


class NeonizeClient:
    """``WebClient`` over neonize's synchronous ``NewClient``."""

    def __init__(self, tenant_id: str, session_db: Path, emit: Emit) -> None:
        from neonize.client import NewClient

        # whatsmeow logs protocol traffic at debug level; keep it (and any key
        # material in it) out of the logs.
        logging.getLogger("whatsmeow").setLevel(logging.WARNING)
        logging.getLogger("Whatsmeow").setLevel(logging.WARNING)
        self._client = NewClient(str(session_db), uuid=tenant_id)
        self._emit = emit
        self._alive = threading.Event()
        self._subscribe()

    def _subscribe(self) -> None:
        from neonize import events as ev

        kinds: dict[str, Any] = {
            "pair_status": ev.PairStatusEv,
            "connected": ev.ConnectedEv,
            "disconnected": ev.DisconnectedEv,
            "logged_out": ev.LoggedOutEv,
            "connect_failure": ev.ConnectFailureEv,
            "temporary_ban": ev.TemporaryBanEv,
            "stream_replaced": ev.StreamReplacedEv,
            "client_outdated": ev.ClientOutdatedEv,
            "message": ev.MessageEv,
        }
        for kind, event_type in kinds.items():
            self._client.event(event_type)(self._forward(kind))
        self._client.event.qr(lambda _client, code: self._seen("qr", code.decode()))

    def _forward(self, kind: str) -> Callable[[Any, Any], None]:
        return lambda _client, event: self._seen(kind, event)

    def _seen(self, kind: str, event: Any) -> None:
        self._alive.set()
        self._emit(kind, event)

    def connect(self) -> None:
        """Run neonize's blocking connect; the registry turn ends at the first event."""
        from neonize.exc import NeonizeError

        released = threading.Event()

        def release_turn() -> None:
            self._alive.wait(REGISTRY_HOLD_SECONDS)
            if not released.is_set():
                released.set()
                _GO_REGISTRY.release()

        _GO_REGISTRY.acquire()
        threading.Thread(target=release_turn, daemon=True).start()
        try:
            self._client.connect()
        except NeonizeError as exc:
            raise ConnectionError(str(exc) or "WhatsApp could not be reached") from None
        finally:
            self._alive.set()

    def stop(self) -> None:
        """Cancel neonize's session (it disconnects and ``connect`` returns)."""
        with _GO_REGISTRY:
            self._client.stop()

    def logout(self) -> None:
        """Unlink this device on WhatsApp's side."""
        self._client.logout()

    def pair_phone(self, phone: str) -> str:
        """An 8-character code to type on the phone (Linked devices → Link with phone number)."""
        return str(self._client.PairPhone(phone, show_push_notification=True))

    def send_text(self, to: str, text: str) -> str:
        """Send a text message."""
        return self._sent(lambda: self._client.send_message(self._jid(to), text))

    def send_media(self, to: str, kind: str, path: str, caption: str, filename: str) -> str:
        """Send a file with neonize's builder for its kind."""
        jid = self._jid(to)
        client = self._client
        senders: dict[str, Callable[[], Any]] = {
            "image": lambda: client.send_image(jid, path, caption=caption or None),
            "video": lambda: client.send_video(jid, path, caption=caption or None),
            "audio": lambda: client.send_audio(jid, path),
            "document": lambda: client.send_document(
                jid, path, caption=caption or None, filename=filename or Path(path).name
            ),
        }
        return self._sent(senders[kind])

    def set_typing(self, to: str, typing: bool) -> None:
        """Composing or paused in the chat."""
        from neonize.utils.enum import ChatPresence, ChatPresenceMedia

        state = (
            ChatPresence.CHAT_PRESENCE_COMPOSING if typing else ChatPresence.CHAT_PRESENCE_PAUSED
        )
        self._client.send_chat_presence(
            self._jid(to), state, ChatPresenceMedia.CHAT_PRESENCE_MEDIA_TEXT
        )

    def download_media(self, message: Any) -> bytes:
        """Fetch and decrypt the file from WhatsApp's media servers."""
        from neonize.exc import DownloadError

        try:
            return bytes(self._client.download_any(message))
        except DownloadError as exc:
            raise DownloadFailed(str(exc) or "WhatsApp gave no reason") from None

    @staticmethod
    def _jid(to: str) -> Any:
        from neonize.utils.jid import build_jid

        user, _, server = to.partition("@")
        return build_jid(user, server or "s.whatsapp.net")

    @staticmethod
    def _sent(send: Callable[[], Any]) -> str:
        from neonize.exc import SendMessageError

        try:
            return str(send().ID)
        except SendMessageError as exc:
            # whatsmeow times out waiting for the server's ack after writing the message.
            raise SendFailed(str(exc), maybe_sent="timed out" in str(exc).lower()) from None


def neonize_client(tenant_id: str, session_db: Path, emit: Emit) -> WebClient:
    """The real client factory used by `b2a whatsapp`."""
    return NeonizeClient(tenant_id, session_db, emit)
