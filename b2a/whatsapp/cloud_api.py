"""Client of the official WhatsApp Cloud API (Graph API), over httpx.

One instance per channel (phone number). Errors come back as Graph's
``{"error": {"code", "message", "error_data": {"details"}}}`` and become
``TransportError`` with ``permanent`` decided by the failure code; network
failures and 5xx answers are transient.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from b2a.errors import TransportError
from b2a.lib import tracing
from b2a.whatsapp.failures import describe_failure
from b2a.whatsapp.transport import Outbound, Sent

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
MEDIA_KINDS = ("image", "document", "audio", "video")


@dataclass(frozen=True)
class CloudCredentials:
    """What a tenant pastes into the Cloud API form."""

    phone_number_id: str
    access_token: str
    waba_id: str = ""
    app_secret: str = ""
    verify_token: str = ""


@dataclass(frozen=True)
class PhoneNumber:
    """A business phone number as Meta lists it."""

    phone_number_id: str
    display_phone_number: str
    verified_name: str


@dataclass(frozen=True)
class MetaTemplate:
    """A template as Meta lists it."""

    name: str
    language: str
    status: str
    category: str
    body: str
    meta_id: str


def _error_of(response: httpx.Response) -> TransportError:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    if response.status_code >= 500 and not error.get("code"):
        return TransportError(
            f"WhatsApp answered {response.status_code}; it will be retried.", permanent=False
        )
    code = str(error.get("code", response.status_code))
    detail = str((error.get("error_data") or {}).get("details") or error.get("message", ""))
    failure = describe_failure(code, detail)
    return TransportError(failure.plain, permanent=failure.permanent, code=failure.code)


class CloudApiClient:
    """Sends, uploads, downloads and lists templates for one phone number.

    The Cloud API has no idempotency key, so a resend after an unanswered request
    could deliver twice (``resend_is_safe`` is false). Each send carries our
    message id as ``biz_opaque_callback_data``; Meta echoes it in status webhooks.
    """

    resend_is_safe = False

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: CloudCredentials,
        *,
        base_url: str = DEFAULT_BASE_URL,
        version: str = DEFAULT_VERSION,
    ) -> None:
        self._http = http
        self._creds = credentials
        self._root = f"{base_url.rstrip('/')}/{version}"

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._creds.access_token}"}

    async def _request(
        self, method: str, url: str, operation: str, **kwargs: Any
    ) -> httpx.Response:
        """One Graph API call (``operation`` names it), a client span when tracing is on.

        The span names the operation and the host, never the URL: a media
        download link carries Meta's signature in its query.
        """
        with tracing.span(
            f"{method} {operation}",
            kind="client",
            attributes={
                "http.request.method": method,
                "server.address": urlsplit(url).hostname,
                "b2a.whatsapp.operation": operation,
            },
        ) as span:
            response = await self._call(method, url, **kwargs)
            span.set({"http.response.status_code": response.status_code})
            if response.status_code >= 400:
                span.fail(f"HTTP {response.status_code}")
                raise _error_of(response)
            return response

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # Here, not at the top: the session process reads the credentials' shape from this
        # module and never calls the Cloud API, so it need not hold httpx (docs/decisions.md).
        import httpx

        try:
            return await self._http.request(method, url, headers=self._auth, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransportError(
                f"cannot reach WhatsApp ({type(exc).__name__}); it will be retried.",
                permanent=False,
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"WhatsApp did not answer ({type(exc).__name__}); the request may have arrived.",
                permanent=False,
                maybe_sent=True,
            ) from None

    async def send(self, message: Outbound) -> Sent:
        """Send text, media or a template; returns the ``wamid``."""
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
        }
        if message.ref:
            body["biz_opaque_callback_data"] = message.ref
        if message.template is not None:
            body["type"] = "template"
            body["template"] = {
                "name": message.template.name,
                "language": {"code": message.template.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": p} for p in message.template.body_params
                        ],
                    }
                ]
                if message.template.body_params
                else [],
            }
        elif message.kind in MEDIA_KINDS:
            media_id = await self.upload_media(Path(message.media_path), message.media_mime)
            media: dict[str, str] = {"id": media_id}
            if message.text and message.kind != "audio":
                media["caption"] = message.text
            if message.kind == "document" and message.filename:
                media["filename"] = message.filename
            body["type"] = message.kind
            body[message.kind] = media
        else:
            body["type"] = "text"
            body["text"] = {"body": message.text, "preview_url": False}
        response = await self._request(
            "POST", f"{self._root}/{self._creds.phone_number_id}/messages", "messages", json=body
        )
        return Sent(wa_message_id=str(response.json()["messages"][0]["id"]))

    async def upload_media(self, path: Path, mime: str = "") -> str:
        """Upload a file for sending; returns Meta's media id."""
        mime = mime or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = await self._request(
            "POST",
            f"{self._root}/{self._creds.phone_number_id}/media",
            "media.upload",
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": (path.name, path.read_bytes(), mime)},
        )
        return str(response.json()["id"])

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of inbound media (its URL expires within minutes)."""
        info = (await self._request("GET", f"{self._root}/{media_id}", "media.info")).json()
        content = await self._request("GET", str(info["url"]), "media.download")
        return content.content, str(info.get("mime_type", content.headers.get("content-type", "")))

    async def list_templates(self) -> list[MetaTemplate]:
        """Every message template of the business account, following pagination."""
        url: str | None = f"{self._root}/{self._creds.waba_id}/message_templates"
        params: dict[str, Any] | None = {"limit": 100}
        templates: list[MetaTemplate] = []
        while url:
            page = (await self._request("GET", url, "templates", params=params)).json()
            templates.extend(_template(item) for item in page.get("data", []))
            url, params = page.get("paging", {}).get("next"), None
        return templates

    async def check_credentials(self) -> PhoneNumber:
        """The number as Meta shows it, proving the token and number id work together."""
        response = await self._request(
            "GET",
            f"{self._root}/{self._creds.phone_number_id}",
            "phone_number",
            params={"fields": "display_phone_number,verified_name"},
        )
        return _phone_number(response.json())

    async def business_numbers(self) -> list[PhoneNumber]:
        """The phone numbers of the business account (``waba_id``), following pagination."""
        url: str | None = f"{self._root}/{self._creds.waba_id}/phone_numbers"
        params: dict[str, Any] | None = {"fields": "display_phone_number,verified_name"}
        numbers: list[PhoneNumber] = []
        while url:
            page = (await self._request("GET", url, "phone_numbers", params=params)).json()
            numbers.extend(_phone_number(item) for item in page.get("data", []))
            url, params = page.get("paging", {}).get("next"), None
        return numbers


def _phone_number(item: dict[str, Any]) -> PhoneNumber:
    return PhoneNumber(
        phone_number_id=str(item.get("id", "")),
        display_phone_number=str(item.get("display_phone_number", "")),
        verified_name=str(item.get("verified_name", "")),
    )


def _template(item: dict[str, Any]) -> MetaTemplate:
    body = next(
        (c.get("text", "") for c in item.get("components", []) if c.get("type") == "BODY"), ""
    )
    return MetaTemplate(
        name=str(item.get("name", "")),
        language=str(item.get("language", "")),
        status=str(item.get("status", "")),
        category=str(item.get("category", "")),
        body=str(body),
        meta_id=str(item.get("id", "")),
    )
