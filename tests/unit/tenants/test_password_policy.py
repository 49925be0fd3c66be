"""The password policy: what it refuses, in plain words, and what it lets through."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from b2a.errors import Invalid
from b2a.tenants import password_policy as policy
from b2a.tenants.passwords import check_strength

EMAIL = "noor.salon@example.test"
letters = st.characters(categories=("Ll", "Lu", "Nd"), max_codepoint=0x24F)
words = st.text(letters, min_size=2, max_size=8)


def test_the_shipped_list_holds_the_10000_most_used_passwords():
    common = policy.common_passwords()
    assert len(common) == 10_000
    assert {"password", "123456", "qwerty", "1234567890", "password123"} <= common


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", policy.TOO_SHORT),
        ("x" * 257, policy.TOO_LONG),
        ("1234567890", policy.COMMON),
        ("Password123", policy.COMMON),
        ("aaaaaaaaaaaa", policy.ONE_CHARACTER),
        ("passwordpassword", policy.REPEATED),
        ("abcabcabcabc", policy.REPEATED),
        ("Ha-ha-ha-ha-ha", policy.REPEATED),
        ("noor.salon@example.test", policy.FROM_EMAIL),
        ("NOOR.SALON@EXAMPLE.TEST", policy.FROM_EMAIL),
        ("noorsalon2024", policy.FROM_EMAIL),
        ("!Noor.Salon!", policy.FROM_EMAIL),
    ],
)
def test_it_refuses_with_the_reason_in_plain_words(password, reason):
    assert policy.password_problem(password, email=EMAIL) == reason
    with pytest.raises(Invalid) as refused:
        check_strength(password, email=EMAIL)
    assert refused.value.message == reason
    assert refused.value.code == "WEAK_PASSWORD" and refused.value.field == "password"


@pytest.mark.parametrize(
    "password",
    ["a long owner password", "correct horse battery staple", "Noor's 3 chairs & a mirror"],
)
def test_it_accepts_a_long_unusual_password(password):
    assert policy.password_problem(password, email=EMAIL) is None


@given(st.sampled_from(sorted(policy.common_passwords())), st.booleans())
def test_every_listed_password_is_refused_in_any_case(common, upper):
    typed = common.upper() if upper else common
    assert policy.password_problem(typed) in {policy.COMMON, policy.TOO_SHORT}


@given(st.characters(blacklist_categories=("Cs",)), st.integers(min_value=10, max_value=64))
def test_one_character_repeated_is_refused(character, times):
    assert policy.password_problem(character * times) in {policy.ONE_CHARACTER, policy.COMMON}


@given(words, st.integers(min_value=2, max_value=8))
def test_one_word_repeated_is_refused(word, times):
    password = word * times
    assume(len(password) >= policy.MIN_LENGTH and len(set(word.lower())) > 1)
    assume(len(password) <= policy.MAX_LENGTH)
    assert policy.password_problem(password) in {policy.REPEATED, policy.COMMON}


@given(
    st.from_regex(r"[a-z][a-z0-9.]{2,20}", fullmatch=True),
    st.from_regex(r"[a-z]{2,10}\.[a-z]{2,5}", fullmatch=True),
    st.sampled_from(["", "1", "2024", "!", "123!"]),
    st.booleans(),
)
def test_the_email_or_its_local_part_is_refused_whatever_the_case(local, domain, tail, upper):
    email = f"{local}@{domain}"
    for base in (email, local):
        typed = (base.upper() if upper else base) + tail
        assume(len(typed) >= policy.MIN_LENGTH)
        assert policy.password_problem(typed, email=email) in {
            policy.FROM_EMAIL,
            policy.COMMON,
            policy.REPEATED,
            policy.ONE_CHARACTER,
        }


@given(st.text(min_size=policy.MIN_LENGTH, max_size=80))
def test_a_refusal_is_always_one_of_the_plain_reasons(password):
    reasons = {
        None,
        policy.TOO_SHORT,
        policy.COMMON,
        policy.FROM_EMAIL,
        policy.ONE_CHARACTER,
        policy.REPEATED,
    }
    assert policy.password_problem(password, email=EMAIL) in reasons


@given(st.text(min_size=policy.MIN_LENGTH, max_size=80))
def test_a_password_that_passes_is_not_listed_and_not_a_repeat(password):
    if policy.password_problem(password, email=EMAIL) is None:
        assert password.strip().lower() not in policy.common_passwords()
        assert policy._repeat_unit(password) is None
