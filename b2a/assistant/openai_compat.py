"""A provider for any OpenAI-compatible chat-completions endpoint (OpenAI, OpenRouter, Ollama …).

The system prompt carries everything the model may use, the same context the
offline assistant reads: the catalogue with ids, prices, durations and
descriptions, the FAQ with the other ways customers ask it, the opening hours,
the business's local date, weekday, time and zone, what an order needs, the
order in progress and the customer's known details, then the rules it must
keep; the chat after it is the bounded history (``context.history``). The
model answers one JSON object (``response_format`` json_object) that
``parse_reply`` reads strictly, a requested time included. Nothing it says is
trusted: the turn's grounding review checks every draft like the offline
assistant's.

Transient failures (connect or read timeouts, 5xx, 429) are retried with
backoff, a 429 after its ``Retry-After`` when that is short enough; any other
4xx is not retried. Whatever still fails, and any answer that is not the
expected JSON, is ``ProviderDown``, so the caller can fall back.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx

from b2a.assistant.ai_settings import ProviderConfig
from b2a.assistant.shapes import (
    AssistantRequest,
    CatalogItem,
    FaqItem,
    Intent,
    ItemRef,
    OrderInProgress,
    ProviderDown,
    ProviderReply,
)
from b2a.catalog.money import format_price
from b2a.orders.rules import OrdersNeed

ATTEMPTS = 3
BACKOFF = 0.5
"""Seconds before the second attempt; each later one waits twice as long."""
RETRY_AFTER_CAP = 5.0
"""A 429 asking to wait longer than this is not waited for: the fallback answers now."""
FIELDS = ("name", "phone", "email", "address")
MAX_FIELD = 200

Sleep = Callable[[float], Awaitable[None]]

RULES = """Rules you must always keep:
- Talk only about the services listed in the catalogue; never invent a service.
- Never change, invent or negotiate a price, never offer a discount, gift or guarantee.
- Write a price only as the placeholder {{price:<service id>}} or exactly as listed.
- Never confirm an order: you can only take an order request, which staff approve.
- If the customer asks for a person, or the catalogue and FAQ do not answer, use intent "human".
- Collect the customer's name, phone, email and address only as the customer gives them.
- Answer in the customer's language, briefly, as a WhatsApp message.
- A time the customer asks for ("kal 5 baje", "Saturday 4pm") counts from the business's
  current local time above; give it in "requested_time" as a local date-time in the
  business's time zone, and ask for another when it falls outside the opening hours.

Answer with one JSON object only, no other text:
{"intent": one of "greeting", "question", "order", "details", "human", "hours", "thanks",
 "unknown",
 "reply": "the message to send",
 "items": [{"service_id": "<id from the catalogue>", "quantity": 1}],
 "fields": {"name": "...", "phone": "...", "email": "...", "address": "..."},
 "requested_time": "YYYY-MM-DDTHH:MM" (local, in the business's time zone) or null,
 "confidence": a number from 0 to 1 for how sure you are}"""

NEEDS: dict[str, str] = {
    OrdersNeed.ADDRESS: "a delivery address",
    OrdersNeed.TIME: "a requested time (an appointment)",
    OrdersNeed.NONE: "nothing besides the services",
}
_LOCAL_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)


def system_prompt(request: AssistantRequest) -> str:
    """What the model is told: the business, catalogue, FAQ, hours, time, order, customer, rules."""
    catalog = request.catalog
    services = "\n".join(_service(s) for s in catalog.services)
    faq = "\n".join(_faq(f) for f in catalog.faq)
    known = ", ".join(f"{k}: {v}" for k, v in request.known_fields.items()) or "nothing yet"
    parts = [
        f"You are the WhatsApp assistant of {catalog.business_name}.",
        f"Catalogue (the only services that exist):\n{services or '- (empty)'}",
        f"FAQ:\n{faq or '- (none)'}",
        f"Opening hours: {request.hours or 'always open'}.",
    ]
    if request.now is not None:
        parts.append(_now(request.now, request.time_zone))
    if request.humans_back:
        parts.append(f"The team is away now and back {request.humans_back}.")
    if request.greeted:
        parts.append("The business's own greeting is sent just before your reply: do not greet.")
    need = NEEDS.get(request.orders_need, request.orders_need)
    parts.append(
        f"Known customer details: {known}. Orders here need {need}; an order request needs: "
        f"{', '.join(request.required_fields) or 'nothing more'}."
    )
    if request.order is not None:
        parts.append(_order(request.order, request.time_zone))
    parts.append(RULES)
    return "\n\n".join(parts)


def _service(item: CatalogItem) -> str:
    minutes = f" | takes {item.duration_minutes} min" if item.duration_minutes else ""
    about = f" | {item.description}" if item.description else ""
    price = format_price(item.price_minor, item.currency)
    return f"- id={item.id} | {item.name} | {price}{minutes}{about}"


def _faq(entry: FaqItem) -> str:
    also = f" (also asked as: {'; '.join(entry.synonyms)})" if entry.synonyms else ""
    return f"- Q: {entry.question}{also}\n  A: {entry.answer}"


def _local(at: datetime, time_zone: str) -> str:
    local = at.astimezone(ZoneInfo(time_zone))
    return f"{local:%Y-%m-%dT%H:%M} ({local:%A} {local.day} {local:%B %Y}, {local:%H:%M})"


def _now(now: datetime, time_zone: str) -> str:
    return f"Now at the business: {_local(now, time_zone)}, time zone {time_zone}."


def _order(order: OrderInProgress, time_zone: str) -> str:
    """The open order request as the customer would read it; its lines are already priced."""
    lines = "\n".join(
        f"- {line.name}, quantity {line.quantity}: "
        f"{format_price(line.unit_price_minor, order.currency)} each"
        for line in order.lines
    )
    when = _local(order.requested_at, time_zone) if order.requested_at else "not yet"
    missing = ", ".join(order.missing) or "nothing"
    return (
        f"The customer's open order request #{order.number} ({order.status}):\n{lines}\n"
        f"Total: {format_price(order.total_minor, order.currency)}. Requested time: {when}. "
        f"Still missing: {missing}."
    )


def messages(request: AssistantRequest) -> list[dict[str, str]]:
    """The chat: the system prompt, the bounded history, then the customer's message."""
    chat = [{"role": "system", "content": system_prompt(request)}]
    chat += [
        {"role": "user" if t.from_customer else "assistant", "content": t.text}
        for t in request.history
    ]
    chat.append({"role": "user", "content": request.message})
    return chat


def parse_reply(content: str, time_zone: str = "UTC") -> ProviderReply:
    """The model's JSON answer as an unverified draft; ``time_zone`` reads its requested time.

    Raises:
        ProviderDown: the content is not a JSON object of the expected shape.
    """
    try:
        data = json.loads(content)
    except (ValueError, TypeError):
        raise ProviderDown("the model's answer is not JSON") from None
    if not isinstance(data, dict):
        raise ProviderDown("the model's answer is not a JSON object")
    try:
        intent = Intent(str(data.get("intent")))
    except ValueError:
        raise ProviderDown("the model's answer has no known intent") from None
    text = data.get("reply")
    if not isinstance(text, str) or not text.strip():
        raise ProviderDown("the model's answer has no reply text")
    return ProviderReply(
        intent=intent,
        text=text.strip(),
        confidence=_confidence(data.get("confidence")),
        items=_items(data.get("items", [])),
        fields=_fields(data.get("fields", {})),
        requested_at=_requested_at(data.get("requested_time"), time_zone),
    )


def _requested_at(value: Any, time_zone: str) -> datetime | None:
    """An ISO 8601 local date-time in the business's zone (an explicit offset also reads), aware.

    Anything else, a date without a time or a local time the zone skips (a DST
    gap) included, is malformed output.
    """
    if value is None:
        return None
    if not isinstance(value, str) or not _LOCAL_TIME.fullmatch(value.strip()):
        raise ProviderDown("the model's requested time is not an ISO 8601 date-time")
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ProviderDown("the model's requested time is not a real date-time") from None
    if at.tzinfo is not None:
        return at.astimezone(UTC)
    zone = ZoneInfo(time_zone)
    local = at.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != at:
        raise ProviderDown("the model's requested time does not exist in the business's zone")
    return local.astimezone(UTC)


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ProviderDown("the model's confidence is not a number from 0 to 1")
    return float(value)


def _items(value: Any) -> tuple[ItemRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ProviderDown("the model's items are not a list")
    items = []
    for entry in value:
        if not isinstance(entry, dict):
            raise ProviderDown("an item of the model's answer is not an object")
        quantity = entry.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise ProviderDown("an item's quantity is not a whole number")
        try:
            service_id = UUID(str(entry.get("service_id")))
        except ValueError:
            raise ProviderDown("an item's service id is not an id") from None
        items.append(ItemRef(service_id, quantity))
    return tuple(items)


def _fields(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProviderDown("the model's fields are not an object")
    return {
        name: value[name].strip()[:MAX_FIELD]
        for name in FIELDS
        if isinstance(value.get(name), str) and value[name].strip()
    }


def cost_micro_usd(config: ProviderConfig, model: str, prompt: int, completion: int) -> int:
    """The call's estimated cost from the provider's price table (0 for an unpriced model)."""
    price = config.prices.get(model)
    if price is None:
        return 0
    return round((prompt * price.input + completion * price.output) / 1000)


class OpenAICompatProvider:
    """One model behind one OpenAI-compatible endpoint."""

    def __init__(
        self,
        config: ProviderConfig,
        model: str,
        client: httpx.AsyncClient,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.model = model
        self.client = client
        self.sleep = sleep
        self.name = config.name

    async def reply(self, request: AssistantRequest) -> ProviderReply:
        """Ask the model, retrying transient failures; ``ProviderDown`` when it cannot answer."""
        body = await self._completion(request)
        try:
            content = body["choices"][0]["message"]["content"]
            usage = body.get("usage") or {}
            prompt = int(usage.get("prompt_tokens", 0))
            completion = int(usage.get("completion_tokens", 0))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise ProviderDown("the endpoint's answer is not a chat completion") from None
        draft = parse_reply(content, request.time_zone)
        return ProviderReply(
            intent=draft.intent,
            text=draft.text,
            confidence=draft.confidence,
            items=draft.items,
            fields=draft.fields,
            requested_at=draft.requested_at,
            provider=self.name,
            model=self.model,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_micro_usd=cost_micro_usd(self.config, self.model, prompt, completion),
        )

    async def _completion(self, request: AssistantRequest) -> Any:
        payload = {
            "model": self.model,
            "messages": messages(request),
            "response_format": {"type": "json_object"},
            "temperature": 0.2,
        }
        wait = BACKOFF
        for _ in range(ATTEMPTS - 1):
            outcome = await self._attempt(payload, wait, last=False)
            if not isinstance(outcome, _Retry):
                return outcome
            await self.sleep(outcome.pause)
            wait *= 2
        return await self._attempt(payload, wait, last=True)

    async def _attempt(self, payload: dict[str, Any], wait: float, *, last: bool) -> Any:
        """The answer's JSON, a ``_Retry`` for a transient failure, else ``ProviderDown``."""
        timeout = self.config.timeout
        try:
            response = await self.client.post(
                f"{self.config.base_url.rstrip('/')}/chat/completions",
                json=payload,
                headers={"Authorization": f"Bearer {self.config.api_key}"},
                timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            )
        except httpx.TimeoutException:
            if last:
                raise ProviderDown(f"no answer within {timeout:g}s") from None
            return _Retry(wait)
        except httpx.HTTPError as exc:
            if last:
                raise ProviderDown(f"cannot reach the endpoint ({type(exc).__name__})") from None
            return _Retry(wait)
        pause = _retry_pause(response, wait, last)
        return _json(response) if pause is None else _Retry(pause)


@dataclass(frozen=True)
class _Retry:
    pause: float


def _retry_pause(response: httpx.Response, wait: float, last: bool) -> float | None:
    """None for a success; the pause before retrying a transient failure; else ProviderDown."""
    status = response.status_code
    if status < 300:
        return None
    transient = status == 429 or status >= 500
    if not transient or last:
        raise ProviderDown(f"the endpoint answered HTTP {status}")
    if status == 429:
        after = _seconds(response.headers.get("Retry-After"))
        if after is not None and after > RETRY_AFTER_CAP:
            raise ProviderDown(f"rate limited for {after:g}s")
        return wait if after is None else after
    return wait


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProviderDown("the endpoint's answer is not JSON") from None


async def list_models(config: ProviderConfig, client: httpx.AsyncClient) -> list[str]:
    """The model names the endpoint serves (``GET {base}/models``): proof it answers our key.

    Raises:
        ProviderDown: unreachable, the key refused, or not an OpenAI-compatible answer.
    """
    try:
        response = await client.get(
            f"{config.base_url.rstrip('/')}/models",
            headers={"Authorization": f"Bearer {config.api_key}"},
            timeout=httpx.Timeout(config.timeout, connect=min(5.0, config.timeout)),
        )
    except httpx.HTTPError as exc:
        raise ProviderDown(f"{config.base_url} is unreachable ({type(exc).__name__})") from None
    if response.status_code in (401, 403):
        raise ProviderDown(f"{config.base_url} refused the API key (HTTP {response.status_code})")
    if response.status_code != 200:
        raise ProviderDown(f"{config.base_url}/models answered HTTP {response.status_code}")
    try:
        return [str(m["id"]) for m in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        raise ProviderDown(f"{config.base_url}/models is not an OpenAI-compatible list") from None
