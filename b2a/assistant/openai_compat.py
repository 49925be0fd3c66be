"""A provider for any OpenAI-compatible chat-completions endpoint (OpenAI, OpenRouter, Ollama …).

The system prompt carries everything the model may use (the catalogue with ids
and prices, the FAQ, the hours, the customer's known details) and the rules it
must keep; the model answers one JSON object (``response_format`` json_object)
that ``parse_reply`` reads strictly. Nothing it says is trusted: the turn's
grounding review checks every draft like the offline assistant's.

Transient failures (connect or read timeouts, 5xx, 429) are retried with
backoff, a 429 after its ``Retry-After`` when that is short enough; any other
4xx is not retried. Whatever still fails, and any answer that is not the
expected JSON, is ``ProviderDown``, so the caller can fall back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from b2a.assistant.ai_settings import ProviderConfig
from b2a.assistant.shapes import (
    AssistantRequest,
    Intent,
    ItemRef,
    ProviderDown,
    ProviderReply,
)
from b2a.catalog.money import format_price

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

Answer with one JSON object only, no other text:
{"intent": one of "greeting", "question", "order", "details", "human", "hours", "thanks",
 "unknown",
 "reply": "the message to send",
 "items": [{"service_id": "<id from the catalogue>", "quantity": 1}],
 "fields": {"name": "...", "phone": "...", "email": "...", "address": "..."},
 "confidence": a number from 0 to 1 for how sure you are}"""


def system_prompt(request: AssistantRequest) -> str:
    """What the model is told: the business, its catalogue, FAQ, hours, the customer, the rules."""
    catalog = request.catalog
    services = "\n".join(
        f"- id={s.id} | {s.name} | {format_price(s.price_minor, s.currency)}"
        + (f" | {s.description}" if s.description else "")
        for s in catalog.services
    )
    faq = "\n".join(f"- Q: {f.question}\n  A: {f.answer}" for f in catalog.faq)
    known = ", ".join(f"{k}: {v}" for k, v in request.known_fields.items()) or "nothing yet"
    parts = [
        f"You are the WhatsApp assistant of {catalog.business_name}.",
        f"Catalogue (the only services that exist):\n{services or '- (empty)'}",
        f"FAQ:\n{faq or '- (none)'}",
        f"Opening hours: {request.hours or 'always open'}.",
    ]
    if request.humans_back:
        parts.append(f"The team is away now and back {request.humans_back}.")
    parts.append(
        f"Known customer details: {known}. An order request needs: "
        f"{', '.join(request.required_fields)}."
    )
    parts.append(RULES)
    return "\n\n".join(parts)


def messages(request: AssistantRequest) -> list[dict[str, str]]:
    """The chat: the system prompt, the bounded history, then the customer's message."""
    chat = [{"role": "system", "content": system_prompt(request)}]
    chat += [
        {"role": "user" if t.from_customer else "assistant", "content": t.text}
        for t in request.history
    ]
    chat.append({"role": "user", "content": request.message})
    return chat


def parse_reply(content: str) -> ProviderReply:
    """The model's JSON answer as an unverified draft.

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
    )


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
        draft = parse_reply(content)
        return ProviderReply(
            intent=draft.intent,
            text=draft.text,
            confidence=draft.confidence,
            items=draft.items,
            fields=draft.fields,
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
