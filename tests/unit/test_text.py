"""Which characters text may hold (b2a/lib/text.py): refused at the edge, replaced inbound."""

import json

from hypothesis import given
from hypothesis import strategies as st

from b2a.lib.text import REPLACEMENT, first_unusable, is_token, readable, readable_json

CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
SURROGATES = [chr(c) for c in (0xD800, 0xDBFF, 0xDC00, 0xDFFF)]
json_like = st.recursive(
    st.text() | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_tab_newline_and_return_are_text_the_other_controls_and_surrogates_are_not():
    assert first_unusable("one\ttwo\r\nthree") is None
    for bad in CONTROLS + SURROGATES:
        assert first_unusable(f"ab{bad}c") == 2, repr(bad)
    assert first_unusable("Assalam o alaikum 🌙 قیمت؟") is None


@given(json_like)
def test_readable_leaves_no_unusable_character_anywhere(value):
    cleaned = readable(value)
    for text in _strings(cleaned):
        assert first_unusable(text) is None
    assert readable(cleaned) == cleaned


# Text drawn mostly from the characters that matter here: controls, surrogates, backslashes,
# letters JSON escapes use, quotes, emoji (a surrogate pair when escaped as ASCII).
tricky_text = (
    st.text(
        st.sampled_from(
            [*CONTROLS, *SURROGATES, "\\", "u", "b", "f", "0", "1", '"', "\t", "😀", "a"]
        )
    )
    | st.text()
)
tricky_json = st.recursive(
    tricky_text | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=10,
)


@given(tricky_json)
def test_readable_json_writes_what_readable_makes_of_the_payload(value):
    assert json.loads(readable_json(value)) == readable(value)


@given(st.text())
def test_readable_drops_nothing(text):
    cleaned = readable(text)
    assert len(cleaned) == len(text)
    assert all(a == b or b == REPLACEMENT for a, b in zip(text, cleaned, strict=True))


def test_readable_replaces_each_with_the_replacement_character():
    assert readable({"a\x00": ["x\x01y", 3]}) == {f"a{REPLACEMENT}": [f"x{REPLACEMENT}y", 3]}


def test_a_token_is_visible_ascii():
    assert is_token("EAAGm0PX4ZCpsBA-_.~+/=")
    for bad in ("tök", "a b", "a\x00", "tab\there", "🔑"):
        assert not is_token(bad), bad
