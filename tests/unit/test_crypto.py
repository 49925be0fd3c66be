import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import ConfigError
from b2a.lib.crypto import SecretBox, generate_key, mask

OLD, NEW = generate_key(), generate_key()


@given(st.text(max_size=200))
def test_a_secret_round_trips_and_is_not_stored_in_clear(secret):
    box = SecretBox(NEW)
    stored = box.encrypt(secret)
    assert box.decrypt(stored) == secret
    if len(secret) > 3:
        assert secret not in stored


def test_rotation_keeps_old_secrets_readable_and_rewrites_them():
    stored = SecretBox(OLD).encrypt("whatsapp-token")
    rotated_box = SecretBox(f"{NEW},{OLD}")
    assert rotated_box.decrypt(stored) == "whatsapp-token"
    rewritten = rotated_box.rotate(stored)
    assert SecretBox(NEW).decrypt(rewritten) == "whatsapp-token"


def test_a_missing_key_says_how_to_fix_it():
    stored = SecretBox(OLD).encrypt("x")
    with pytest.raises(ConfigError, match="old key"):
        SecretBox(NEW).decrypt(stored)
    with pytest.raises(ConfigError, match="b2a init"):
        SecretBox("")
    with pytest.raises(ConfigError, match="not a valid Fernet key"):
        SecretBox("short")


def test_masking_shows_at_most_the_last_four_characters():
    assert mask("sk_live_1234567890abcd") == "••••••••abcd"
    assert mask("short") == "•••••"
