"""A failed event's error as the operator reads it: plain, with no link secrets or tokens."""

from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import TransportError
from b2a.inbox.recovery import plain_error

TOKEN = "EAAG" + "x7Rk2" * 10


def test_a_link_keeps_its_address_without_its_query_and_tokens_are_cut():
    error = ConnectionError(
        f"GET https://lookaside.fbsbx.com/whatsapp/media?mid=1&ext=2&hash={TOKEN} failed, "
        f"token {TOKEN}"
    )
    words = plain_error(error)
    assert words.startswith("ConnectionError: GET https://lookaside.fbsbx.com/whatsapp/media")
    assert TOKEN not in words and "hash=" not in words


def test_b2a_errors_keep_their_own_plain_words():
    assert (
        plain_error(TransportError("WhatsApp did not answer.", permanent=False))
        == "WhatsApp did not answer."
    )


@given(st.text())
def test_any_message_fits_the_column_and_is_never_empty(message):
    words = plain_error(ValueError(message))
    assert 0 < len(words) <= 500
