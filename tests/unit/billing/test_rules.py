from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.billing.rules import (
    PAYMENT_OVERDUE,
    CouponKind,
    CouponTerms,
    Interval,
    ManualMethod,
    SubscriptionStatus,
    account_number,
    add_interval,
    amount_after_coupon,
    currency_code,
    grace_end,
    iban_adds_up,
    is_stale,
    stripe_status,
    suspension,
)
from b2a.errors import Invalid

amounts = st.integers(min_value=0, max_value=10**9)
currencies = st.sampled_from(["USD", "PKR", "EUR", "JPY"])
percent = st.builds(CouponTerms, st.just(CouponKind.PERCENT), st.integers(1, 100), currencies)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@given(amounts, currencies, percent)
def test_a_percentage_leaves_the_rest_rounded_to_a_whole_minor_unit(amount, currency, coupon):
    left = amount_after_coupon(amount, currency, coupon)
    assert 0 <= left <= amount
    exact = amount * (100 - coupon.value) / 100
    assert abs(left - exact) <= 0.5


@given(amounts, currencies, st.integers(1, 10**10))
def test_a_fixed_coupon_never_takes_more_than_the_price(amount, currency, value):
    coupon = CouponTerms(CouponKind.FIXED, value, currency.lower())
    assert amount_after_coupon(amount, currency, coupon) == max(0, amount - value)


@given(amounts, st.integers(1, 10**6))
def test_a_fixed_coupon_in_another_currency_is_refused(amount, value):
    with pytest.raises(Invalid) as refused:
        amount_after_coupon(amount, "PKR", CouponTerms(CouponKind.FIXED, value, "USD"))
    assert refused.value.code == "COUPON_CURRENCY" and "USD" in refused.value.message


@given(amounts, currencies, st.integers(1, 99), st.integers(1, 99))
def test_a_bigger_discount_never_costs_more(amount, currency, smaller, extra):
    low = CouponTerms(CouponKind.PERCENT, smaller, currency)
    high = CouponTerms(CouponKind.PERCENT, min(100, smaller + extra), currency)
    assert amount_after_coupon(amount, currency, high) <= amount_after_coupon(amount, currency, low)


def test_no_coupon_and_a_full_coupon():
    assert amount_after_coupon(2999, "USD", None) == 2999
    assert amount_after_coupon(2999, "USD", CouponTerms(CouponKind.PERCENT, 100, "USD")) == 0
    assert amount_after_coupon(2999, "USD", CouponTerms(CouponKind.PERCENT, 25, "USD")) == 2249
    with pytest.raises(ValueError):
        amount_after_coupon(-1, "USD", None)


def test_currency_codes_are_three_capitals():
    assert currency_code(" pkr ") == "PKR"
    with pytest.raises(Invalid):
        currency_code("rupees")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_a_month_later_is_the_same_day_or_the_months_last(start):
    start = start.replace(tzinfo=UTC)
    end = add_interval(start, Interval.MONTH)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
    assert timedelta(days=28) <= end - start <= timedelta(days=31)
    assert end.time() == start.time() and end.tzinfo is UTC


def test_periods_clamp_to_short_months_and_years():
    assert add_interval(datetime(2027, 1, 31, tzinfo=UTC), Interval.MONTH).day == 28
    assert add_interval(datetime(2028, 1, 31, tzinfo=UTC), Interval.MONTH).day == 29
    assert add_interval(datetime(2026, 12, 15, tzinfo=UTC), Interval.MONTH) == datetime(
        2027, 1, 15, tzinfo=UTC
    )
    assert add_interval(datetime(2028, 2, 29, tzinfo=UTC), Interval.YEAR) == datetime(
        2029, 2, 28, tzinfo=UTC
    )


def test_stripe_statuses_map_to_ours():
    assert stripe_status("active") is SubscriptionStatus.ACTIVE
    assert stripe_status("past_due") is SubscriptionStatus.PAST_DUE
    assert stripe_status("incomplete_expired") is SubscriptionStatus.CANCELED
    assert stripe_status("paused") is SubscriptionStatus.UNPAID
    assert stripe_status("something_new") is SubscriptionStatus.UNPAID


def test_older_events_and_anything_after_cancellation_are_stale():
    applied = NOW
    assert is_stale(SubscriptionStatus.ACTIVE, applied, NOW - timedelta(seconds=1))
    assert not is_stale(SubscriptionStatus.ACTIVE, applied, NOW)
    assert not is_stale(SubscriptionStatus.PAST_DUE, None, NOW)
    assert is_stale(SubscriptionStatus.CANCELED, applied, NOW + timedelta(days=1))


def test_the_grace_period_starts_once_and_ends_with_past_due():
    first = grace_end(SubscriptionStatus.PAST_DUE, None, NOW, 7)
    assert first == NOW + timedelta(days=7)
    later = grace_end(SubscriptionStatus.PAST_DUE, first, NOW + timedelta(days=3), 7)
    assert later == first
    assert grace_end(SubscriptionStatus.ACTIVE, first, NOW, 7) is None


def test_suspension_after_grace_or_when_unpaid_only():
    grace = NOW + timedelta(days=7)
    assert suspension(SubscriptionStatus.PAST_DUE, grace, NOW) is None
    after = suspension(SubscriptionStatus.PAST_DUE, grace, grace)
    assert (
        after is not None
        and after.code == PAYMENT_OVERDUE
        and "nothing has been deleted" in after.reason
    )
    assert suspension(SubscriptionStatus.UNPAID, None, NOW).code == PAYMENT_OVERDUE
    for fine in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, None):
        assert suspension(fine, None, NOW) is None


def _iban(country: str, account: str) -> str:
    """A real IBAN for ``account``: the check digits computed as ISO 13616 says."""
    digits = "".join(str(int(c, 36)) for c in account + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{account}"


BBAN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=11, max_size=30)


@given(st.sampled_from(["PK", "GB", "DE", "AE"]), BBAN)
def test_an_iban_is_accepted_in_groups_of_four_however_it_was_typed(country, bban):
    iban = _iban(country, bban)
    typed = " ".join(iban.lower()[i : i + 3] for i in range(0, len(iban), 3))
    shown = account_number(ManualMethod.BANK_TRANSFER, typed, field="n")
    assert shown.replace(" ", "") == iban and all(len(g) <= 4 for g in shown.split())


@given(st.sampled_from(["PK", "GB"]), BBAN, st.data())
def test_one_mistyped_digit_of_an_iban_is_caught(country, bban, data):
    iban = _iban(country, bban)
    at = data.draw(st.sampled_from([i for i in range(2, len(iban)) if iban[i].isdigit()]))
    wrong = data.draw(st.sampled_from("0123456789").filter(lambda c: c != iban[at]))
    assert not iban_adds_up(iban[:at] + wrong + iban[at + 1 :])


def test_wallets_take_a_mobile_number_and_banks_an_account_number():
    assert account_number(ManualMethod.EASYPAISA, " 0300  1234567 ", field="n") == "0300 1234567"
    assert (
        account_number(ManualMethod.BANK_TRANSFER, "0112-3456-7012", field="n") == "0112-3456-7012"
    )
    with pytest.raises(Invalid, match="EasyPaisa mobile number"):
        account_number(ManualMethod.EASYPAISA, "12345", field="n")
    with pytest.raises(Invalid, match="IBAN does not add up") as wrong:
        account_number(ManualMethod.BANK_TRANSFER, "PK00 SCBL 0000 0011 2345 6702", field="n")
    assert wrong.value.field == "n"
