"""Reading a JSON body someone else sent: bounded, and only what a database can hold.

Webhook bodies are read with ``read_json``: invalid UTF-8, invalid JSON,
nesting deeper than asked, and numbers Python would read as infinite all raise
``ValueError`` here instead of failing somewhere later (a ``RecursionError``,
or PostgreSQL refusing ``NaN`` in a JSON column). ``NaN``, ``Infinity`` and
numbers too large for a float are read as ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _finite(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0); no recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_json(body: bytes, *, max_depth: int) -> Any:
    """The JSON value of ``body``.

    Raises:
        ValueError: the body is not UTF-8 JSON, or nests deeper than ``max_depth``.
    """
    try:
        value = json.loads(body, parse_float=_finite, parse_constant=lambda _: None)
    except RecursionError:
        raise ValueError("the JSON nests too deeply.") from None
    if depth(value) > max_depth:
        raise ValueError(f"the JSON nests deeper than {max_depth} levels.")
    return value
