"""The channel state machine: the transition table, what is live, what blocks, plain reasons."""

import pytest

from b2a.errors import Conflict
from b2a.inbox.rules import (
    LIVE_STATES,
    TRANSITIONS,
    ChannelMove,
    ChannelState,
    blocks_other_transport,
    is_live,
    moved,
    next_state,
    wait_seconds,
)
from b2a.session.web_messages import unreachable_reason

S, M = ChannelState, ChannelMove
AT_REST = (S.NOT_SET_UP, S.FAILED, S.LOGGED_OUT)
WAITING = (S.CONNECTING, S.WAITING_FOR_QR_SCAN, S.WAITING_FOR_PAIRING_CODE)


def test_every_state_can_be_dropped_at_once_back_to_not_set_up():
    assert all(next_state(state, M.DROP) is S.NOT_SET_UP for state in S)


@pytest.mark.parametrize("state", AT_REST)
def test_a_channel_at_rest_can_start_again_and_no_wait_reaches_connected_by_magic(state):
    assert next_state(state, M.START) is S.CONNECTING
    assert next_state(state, M.SHOW_QR) is None and next_state(state, M.LOSE_CONNECTION) is None


@pytest.mark.parametrize("state", WAITING)
def test_a_wait_shows_codes_connects_fails_or_is_logged_out(state):
    assert next_state(state, M.SHOW_QR) is S.WAITING_FOR_QR_SCAN
    assert next_state(state, M.SHOW_PAIRING_CODE) is S.WAITING_FOR_PAIRING_CODE
    assert next_state(state, M.CONNECT) is S.CONNECTED
    assert next_state(state, M.FAIL) is S.FAILED
    assert next_state(state, M.LOG_OUT) is S.LOGGED_OUT
    assert 0 < wait_seconds(state) <= 120


def test_a_connected_channel_reconnects_fails_or_is_logged_out_but_never_starts_over():
    assert next_state(S.CONNECTED, M.LOSE_CONNECTION) is S.CONNECTING
    assert next_state(S.CONNECTED, M.FAIL) is S.FAILED
    assert next_state(S.CONNECTED, M.LOG_OUT) is S.LOGGED_OUT
    assert next_state(S.CONNECTED, M.START) is None
    assert next_state(S.CONNECTED, M.SHOW_QR) is None


def test_nothing_logs_out_of_a_channel_that_is_not_set_up_or_logged_out_already():
    assert next_state(S.NOT_SET_UP, M.LOG_OUT) is None
    assert next_state(S.LOGGED_OUT, M.LOG_OUT) is None
    with pytest.raises(Conflict) as refused:
        moved(S.NOT_SET_UP, M.LOG_OUT)
    assert refused.value.code == "INVALID_TRANSITION" and "NOT_SET_UP" in refused.value.message


def test_the_waits_are_bounded_as_the_spec_says():
    assert wait_seconds(S.CONNECTING) == 30
    assert wait_seconds(S.WAITING_FOR_QR_SCAN) == 60
    assert wait_seconds(S.WAITING_FOR_PAIRING_CODE) == 120


def test_every_target_is_a_state_and_live_means_waiting_or_connected():
    for move, table in TRANSITIONS.items():
        assert set(table.values()) <= set(S), move
    assert {*WAITING, S.CONNECTED} == LIVE_STATES
    assert not any(is_live(state) for state in AT_REST)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("ever_connected", [False, True])
def test_only_a_connected_channel_or_a_pairing_reconnecting_blocks_another(state, ever_connected):
    blocks = blocks_other_transport(state, ever_connected=ever_connected)
    assert blocks == (state == S.CONNECTED or (ever_connected and state in WAITING))
    if state in AT_REST:
        assert not blocks, "failed, logged out or never set up never blocks"


@pytest.mark.parametrize(
    ("raw", "cause"),
    [
        ("dial tcp: lookup web.whatsapp.com on 127.0.0.53:53: no such host", "(DNS)"),
        ("Temporary failure in name resolution", "(DNS)"),
        ("proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused", "proxy"),
        ("dial tcp 157.240.0.1:443: connect: connection refused", "was refused"),
        ("dial tcp 157.240.0.1:443: i/o timeout", "timed out"),
        ("websocket: bad handshake", "closed before WhatsApp answered"),
        ("", "closed before WhatsApp answered"),
    ],
)
def test_a_connection_error_is_told_in_plain_words_without_the_raw_text(raw, cause):
    reason = unreachable_reason(raw)
    assert reason.startswith("WhatsApp cannot be reached from this server: ") and cause in reason
    assert "tcp" not in reason and "127.0.0" not in reason and "157.240" not in reason
