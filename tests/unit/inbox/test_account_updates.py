"""Meta's account news in plain words: each field's shapes, and no value ever makes one raise."""

from hypothesis import given, settings
from hypothesis import strategies as st

from b2a.inbox.account_updates import ANNOUNCERS, account_update, phone_quality
from b2a.tenants.notices import Level

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from(
    [
        "event",
        "decision",
        "restriction_info",
        "ban_info",
        "violation_info",
        "display_phone_number",
        "current_limit",
        "max_daily_conversations_per_business",
        "max_phone_numbers_per_waba",
        "requested_verified_name",
        "rejection_reason",
    ]
)
EVENTS = st.sampled_from(
    ["ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION", "DISABLED_UPDATE", "FLAGGED", "DOWNGRADE"]
)


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(sorted(ANNOUNCERS)),
    value=st.dictionaries(KEYS, JSON, max_size=4),
    event=EVENTS,
)
def test_no_value_of_a_known_field_makes_its_words_raise(field, value, event):
    announcement = ANNOUNCERS[field]({"event": event, **value} if "event" not in value else value)
    assert announcement is None or (announcement.text and announcement.source_key)


def test_a_restriction_names_what_is_blocked_and_until_when():
    notice = account_update(
        {
            "event": "ACCOUNT_RESTRICTION",
            "restriction_info": [
                {"restriction_type": "RESTRICTED_ADD_PHONE_NUMBER_ACTION", "expiration": 1641330498}
            ],
        }
    )
    assert notice is not None and notice.level is Level.DANGER and notice.email_subject
    assert "it cannot add phone numbers until 04 January 2022" in notice.text


def test_a_ban_and_its_reinstatement_are_about_the_same_thing():
    ban = account_update({"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": "DISABLE"}})
    back = account_update({"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": "REINSTATE"}})
    assert ban is not None and back is not None
    assert ban.source_key == back.source_key and back.level is Level.INFO


def test_news_that_changes_nothing_here_raises_no_notice():
    assert account_update({"event": "PARTNER_APP_INSTALLED", "waba_info": {}}) is None
    assert account_update({"event": "VOLUME_BASED_PRICING_TIER_UPDATE"}) is None


def test_messaging_limits_read_as_customers_a_day():
    down = phone_quality(
        {"display_phone_number": "15550783881", "event": "DOWNGRADE", "current_limit": "TIER_250"}
    )
    up = phone_quality(
        {
            "display_phone_number": "15550783881",
            "event": "UPGRADE",
            "current_limit": "TIER_UNLIMITED",
        }
    )
    assert down is not None and "to 250 customers a day" in down.text
    assert up is not None and "to no daily limit" in up.text
