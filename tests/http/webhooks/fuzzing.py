"""Hypothesis strategies for webhook bodies: any JSON at all, and valid payloads mutated.

Shared by the suite's bounded fuzz tests (``test_fuzz.py``) and the long run
(``bench/fuzz_webhooks.py``). The structure-aware strategies start from a valid
body (a Cloud API fixture from ``tests/fixtures/cloud``, or a Stripe event) and
change a few of its values: wrong JSON types at any level, keys removed, values
wrapped in lists, over-long strings (300 characters), huge and non-finite
numbers, NUL characters and lone surrogates.
"""

from __future__ import annotations

import copy
import json
import math
import uuid
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cloud"
CLOUD_FIXTURES = {
    path.stem: json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))
}

# A lone surrogate, which json.dumps writes as a \ud800-style escape: valid JSON, not UTF-8.
_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
strings = st.text(max_size=20) | st.text(st.characters(codec="utf-8") | _surrogates, max_size=8)
numbers = (
    st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
)
scalars = st.none() | st.booleans() | numbers | strings
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=25,
)
junk = st.one_of(
    json_values,
    st.just("x" * 300),
    st.just("\x00"),
    st.just("wamid." + "A" * 300),
    st.just(10**30),
    st.just('{"answer": 1e400, "deep": [[[[[[[[[[1]]]]]]]]]]}'),  # JSON inside a string
    st.just(-1),
    st.just(math.inf),
    st.just([]),
    st.just({}),
)


def dumps(value: Any) -> bytes:
    """JSON as Python writes it: NaN and Infinity included, surrogates escaped."""
    return json.dumps(value).encode()


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) pair of a JSON value, depth first."""
    found: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in pairs:
            found.append((node, key))
            if isinstance(child, dict | list):
                stack.append(child)
    return found


@st.composite
def mutations(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with one to four of its values changed, removed, wrapped or made long."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        slots = _slots(value)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "replace", "delete", "wrap", "long", "type"]))
        current = container[key]
        if action == "delete" and isinstance(container, dict):
            del container[key]
        elif action == "wrap":
            container[key] = [current]
        elif action == "long" and isinstance(current, str):
            container[key] = (current or "x") * (300 // max(len(current), 1) + 1)
        elif action == "type":
            container[key] = draw(st.sampled_from([str(current), [current], {"v": current}, None]))
        else:
            container[key] = draw(junk)
    return value


def fresh(payload: Any, number: str) -> Any:
    """A Cloud API payload for ``number`` whose message and status ids were never seen."""
    tag = uuid.uuid4().hex[:12]
    for entry in payload.get("entry", []):
        for change in entry.get("changes", []):
            value = change.get("value", {})
            if "metadata" in value:
                value["metadata"]["phone_number_id"] = number
            for item in value.get("messages", []) + value.get("statuses", []):
                item["id"] = f"{item['id']}.{tag}"
    return payload


def cloud_mutations(number: str) -> st.SearchStrategy[Any]:
    """A Cloud API fixture, sent to ``number`` under new ids, with a few values changed."""
    return st.sampled_from(sorted(CLOUD_FIXTURES)).flatmap(
        lambda name: mutations(fresh(copy.deepcopy(CLOUD_FIXTURES[name]), number))
    )


def control(number: str, wamid: str, phone: str = "923009999999") -> dict[str, Any]:
    """One entry holding one plain text message: what must be stored whatever precedes it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
        "contacts": [{"profile": {"name": "Control"}, "wa_id": phone}],
        "messages": [
            {
                "from": phone,
                "id": wamid,
                "timestamp": "1765090800",
                "type": "text",
                "text": {"body": "still here"},
            }
        ],
    }
    return {"id": "WABA", "changes": [{"field": "messages", "value": value}]}


def with_control(body: Any, number: str, wamid: str) -> Any:
    """A WhatsApp Business Account body with a control entry after whatever ``body`` holds.

    A body that is not a usable delivery travels alone (the control goes in its own
    delivery, posted after it).
    """
    if (
        isinstance(body, dict)
        and body.get("object") == "whatsapp_business_account"
        and isinstance(body.get("entry"), list)
    ):
        return {**body, "entry": [*body["entry"], control(number, wamid)]}
    return None


def stripe_mutations(bases: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Stripe events with a few values changed, most under a new ``evt_`` id (so they are kept)."""
    changed = st.sampled_from(bases).flatmap(mutations)
    return changed.map(lambda e: {**e, "id": f"evt_{uuid.uuid4().hex}"}) | changed
