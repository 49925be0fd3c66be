"""When a live event stream can replay from an id, and when the page must reload instead."""

from b2a.lib.events import MAX_EVENTS, START, history_complete, is_event_id
from b2a.tenants.rules import Area, event_area


def test_an_id_the_stream_still_holds_replays():
    assert history_complete("1700000000500-0", "1700000000000-3", 40)
    assert history_complete("1700000000000-3", "1700000000000-3", 40)


def test_an_id_older_than_the_oldest_kept_resets():
    assert not history_complete("1700000000000-2", "1700000000000-3", MAX_EVENTS)
    assert not history_complete("999-0", "1700000000000-0", 3), "a stream made anew"


def test_ids_compare_as_numbers_not_text():
    assert history_complete("1700000000000-10", "1700000000000-9", 40)
    assert not history_complete("999999999999-0", "1000000000000-0", 40)


def test_a_page_drawn_before_the_stream_existed_replays_until_trimming_began():
    assert history_complete(START, "1700000000000-0", 12)
    assert not history_complete(START, "1700000000000-0", MAX_EVENTS)


def test_a_vanished_stream_resets_a_page_that_had_seen_events():
    assert history_complete(START, None, 0)
    assert not history_complete("1700000000000-0", None, 0)


def test_event_ids_have_the_streams_shape():
    assert is_event_id("1700000000000-0") and is_event_id(START)
    assert not is_event_id("1700000000000") and not is_event_id("$") and not is_event_id("1-x")


def test_each_event_belongs_to_the_area_it_shows():
    assert event_area("message.created") == event_area("note.created") == Area.INBOX
    assert event_area("order.updated") == Area.ORDERS
    assert event_area("whatsapp.qr") == Area.SETTINGS
    assert event_area("something.new") == Area.SETTINGS, "unknown kinds: admins only"
