"""Messages: a conversation's thread, agents' replies (text, template, media), dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath, JSONBody, MultipartBody
from litestar.response import File

from b2a.db import keyset
from b2a.inbox import actions, queries
from b2a.inbox.schemas import DeadLetterPage, MessageOut, MessagePage, ReplyIn
from b2a.outbox.queueing import Draft
from b2a.server.api._common import MEDIA_LIMIT, announce, media_draft, media_root
from b2a.server.files import file_response
from b2a.server.params import ActorDep, Cursor, Limit
from b2a.tenants.rules import Area

# The multipart envelope (boundaries, headers, the caption) around the file.
MULTIPART_SLACK = 64 * 1024
CREATED = "message.created"


@dataclass
class MediaReply:
    """A file (image, audio, video or document) and an optional caption."""

    file: UploadFile
    caption: str = ""


class MessageController(Controller):
    """A conversation's messages."""

    path = "/conversations/{conversation_id:uuid}/messages"
    opt = {"area": Area.INBOX}
    tags = ["messages"]

    @get("/", summary="Read a conversation's messages (keyset pages, newest first)")
    async def list_messages(
        self,
        actor: ActorDep,
        conversation_id: FromPath[UUID],
        cursor: Cursor = None,
        limit: Limit = keyset.DEFAULT_LIMIT,
    ) -> MessagePage:
        """Each outbound message carries its delivery state and any failure reason."""
        return await queries.list_messages(actor, conversation_id, cursor=cursor, limit=limit)

    @post("/", summary="Reply with text or a template")
    async def reply(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        data: JSONBody[ReplyIn],
    ) -> MessageOut:
        """Queued at once and sent by the worker; humans now own the conversation.

        Outside a Cloud API conversation's 24-hour window only an approved
        template goes: anything else is ``409 WINDOW_CLOSED``.
        """
        draft = Draft(text=data.text, template_id=data.template_id, variables=data.variables)
        message = await actions.send_reply(
            actor, conversation_id, draft, media_root=media_root(state)
        )
        await announce(
            state, actor, CREATED, conversation_id=conversation_id, message_id=message.id
        )
        return message

    @post(
        "/media",
        summary="Reply with a file",
        request_max_body_size=MEDIA_LIMIT + MULTIPART_SLACK,
    )
    async def reply_with_media(
        self,
        actor: ActorDep,
        state: State,
        conversation_id: FromPath[UUID],
        data: MultipartBody[MediaReply],
    ) -> MessageOut:
        """A multipart upload of at most 16 MB; larger bodies are ``413 PAYLOAD_TOO_LARGE``.

        The file is judged by its content, not the type it claims: it is stored and
        sent as what it is (an image claimed as PNG that is a JPEG goes as a JPEG), and a
        kind WhatsApp cannot send (GIF, WebP, WAV, WebM, HTML, archives, programs, an
        image over 5 MB) is ``422`` with ``field`` ``file`` saying what goes.
        """
        draft = media_draft(
            await data.file.read(),
            data.file.content_type or "application/octet-stream",
            data.file.filename,
            data.caption,
        )
        message = await actions.send_reply(
            actor, conversation_id, draft, media_root=media_root(state)
        )
        await announce(
            state, actor, CREATED, conversation_id=conversation_id, message_id=message.id
        )
        return message


@get(
    "/messages/{message_id:uuid}/media",
    tags=["messages"],
    summary="Download a message's file",
    opt={"area": Area.INBOX},
)
async def download_media(actor: ActorDep, state: State, message_id: FromPath[UUID]) -> File:
    """Served only to users of the tenant that owns the message.

    Only a JPEG, PNG, GIF or WebP image, a PDF, or audio or video of a kind browsers play
    is served as itself (inline), judged by its bytes, whatever type it was sent with;
    anything else is ``application/octet-stream`` to download. Either way with
    ``X-Content-Type-Options: nosniff`` and a sandboxing ``Content-Security-Policy``.
    """
    return file_response(await queries.message_media(actor, message_id, media_root(state)))


@get(
    "/dead-letters",
    tags=["messages"],
    summary="Messages that could not be delivered",
    opt={"area": Area.INBOX},
)
async def list_dead_letters(
    actor: ActorDep,
    cursor: Cursor = None,
    limit: Limit = keyset.DEFAULT_LIMIT,
) -> DeadLetterPage:
    """DEAD (retries exhausted) and FAILED (refused by WhatsApp) messages, with the reason."""
    return await queries.list_dead_letters(actor, cursor=cursor, limit=limit)
