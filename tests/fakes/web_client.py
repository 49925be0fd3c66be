"""A fake WhatsApp-Web client with neonize's event surface, for driving the session runner.

Events carry neonize's attribute paths (``event.Info.MessageSource.Sender.User``,
``event.Message.conversation``, ``HasField``…); the real-neonize test checks that
the same code reads neonize's real protobufs identically.

Media parts name their file by ``directPath`` as WhatsApp's do; the client's
``media`` dict plays WhatsApp's media servers (path → bytes): a path it does not
hold fails like an expired link, and ``download_failures`` makes the next
downloads fail like a network blip.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b2a.session.web_client import DownloadFailed

MEDIA_FIELDS = {
    "image": "imageMessage",
    "video": "videoMessage",
    "audio": "audioMessage",
    "document": "documentMessage",
}
EXPIRED_LINK = 'Get "https://mmg.whatsapp.net{path}?oh=SECRET-TOKEN&oe=1": 410 Gone'


class Proto:
    """A protobuf-like object: fields as attributes, ``HasField`` for the ones set."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)
        self._set = set(fields)

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's spelling
        return name in self._set


def jid(text: str = "") -> Proto:
    user, _, server = text.partition("@")
    return Proto(User=user, Server=server, Device=0)


def media(
    kind: str,
    path: str,
    *,
    mimetype: str,
    caption: str = "",
    file_name: str = "",
    file_length: int = 0,
) -> tuple[str, Proto]:
    """An image, video, audio or document part (``WAWebProtobufsE2E_pb2.ImageMessage``…)."""
    fields: dict[str, Any] = {"mimetype": mimetype, "directPath": path, "fileLength": file_length}
    if kind != "audio":
        fields["caption"] = caption
    if kind == "document":
        fields["fileName"] = file_name
    return MEDIA_FIELDS[kind], Proto(**fields)


def message_event(
    *,
    id: str,
    chat: str,
    text: str = "",
    sender: str | None = None,
    from_me: bool = False,
    is_group: bool = False,
    pushname: str = "",
    timestamp_ms: int = 1_700_000_000_000,
    sender_alt: str = "",
    recipient_alt: str = "",
    attachment: tuple[str, Proto] | None = None,
) -> Proto:
    """A ``neonize.proto.Neonize_pb2.Message`` event, by attribute path.

    ``attachment`` is a part made by ``media``.
    """
    content: dict[str, Any] = {"conversation": text}
    if attachment is not None:
        content[attachment[0]] = attachment[1]
    message = Proto(**content)
    source = Proto(
        Chat=jid(chat),
        Sender=jid(sender or chat),
        IsFromMe=from_me,
        IsGroup=is_group,
        SenderAlt=jid(sender_alt),
        RecipientAlt=jid(recipient_alt),
    )
    info = Proto(MessageSource=source, ID=id, Pushname=pushname, Timestamp=timestamp_ms)
    return Proto(Info=info, Message=message)


@dataclass
class FakeWebClient:
    """One tenant's fake connection; ``on_connect`` scripts what connecting does."""

    tenant_id: str
    session_db: Path
    emit: Any
    on_connect: str
    sent: list[tuple[str, str]] = field(default_factory=list)
    typing: list[str] = field(default_factory=list)
    typing_fails: bool = False
    logged_out: bool = False
    stops: int = 0
    media: dict[str, bytes] = field(default_factory=dict)
    download_failures: int = 0
    downloads: list[str] = field(default_factory=list)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def connect(self) -> None:
        if self.on_connect == "unreachable":
            raise ConnectionError("dial tcp: lookup web.whatsapp.com: no such host")
        if self.on_connect == "crash":
            raise RuntimeError("go: nil pointer dereference")
        self.emit("qr" if self.on_connect == "qr" else "connected", self._first_event())
        self._stopped.wait()

    def _first_event(self) -> Any:
        return "2@fake-qr-code,abc,def" if self.on_connect == "qr" else Proto(status=True)

    def stop(self) -> None:
        self.stops += 1
        self._stopped.set()

    def logout(self) -> None:
        self.logged_out = True

    def pair_phone(self, phone: str) -> str:
        return "ABCD1234"

    def send_text(self, to: str, text: str) -> str:
        self.sent.append((to, text))
        return f"WA{len(self.sent)}"

    def send_media(self, to: str, kind: str, path: str, caption: str, filename: str) -> str:
        self.sent.append((to, f"{kind}:{path}:{caption}"))
        return f"WA{len(self.sent)}"

    def set_typing(self, to: str, typing: bool) -> None:
        if self.typing_fails:
            raise RuntimeError("presence refused")
        self.typing.append(to)

    def download_media(self, message: Any) -> bytes:
        part = next(getattr(message, f) for f in MEDIA_FIELDS.values() if message.HasField(f))
        self.downloads.append(part.directPath)
        if self.download_failures:
            self.download_failures -= 1
            raise DownloadFailed("dial tcp 157.240.0.1:443: i/o timeout")
        if part.directPath not in self.media:
            raise DownloadFailed(EXPIRED_LINK.format(path=part.directPath))
        return self.media[part.directPath]


@dataclass
class FakeWhatsApp:
    """Builds fake clients, scripted per tenant, and remembers them."""

    default: str = "connected"
    scripts: dict[str, str] = field(default_factory=dict)
    clients: dict[str, list[FakeWebClient]] = field(default_factory=dict)

    def __call__(self, tenant_id: str, session_db: Path, emit: Any) -> FakeWebClient:
        client = FakeWebClient(
            tenant_id, session_db, emit, self.scripts.get(tenant_id, self.default)
        )
        self.clients.setdefault(tenant_id, []).append(client)
        return client

    def last(self, tenant_id: str) -> FakeWebClient:
        return self.clients[str(tenant_id)][-1]
