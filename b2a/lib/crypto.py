"""Encryption of secrets at rest (AI keys, WhatsApp tokens, Stripe keys, SMTP password).

``B2A_ENCRYPTION_KEY`` holds one or more Fernet keys, newest first: new values are
encrypted with the first, and any listed key can decrypt, which is how keys rotate.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from b2a.errors import ConfigError


def generate_key() -> str:
    """A fresh Fernet key for the config file."""
    return Fernet.generate_key().decode()


class SecretBox:
    """Encrypts and decrypts short secrets with the configured keys."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ConfigError("B2A_ENCRYPTION_KEY is empty: run `b2a init` to generate one.")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in parts])
        except ValueError:
            raise ConfigError(
                "B2A_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)."
            ) from None

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext safe to store in a text column."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; a ConfigError if no configured key opens it."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ConfigError(
                "a stored secret cannot be decrypted with B2A_ENCRYPTION_KEY: "
                "keep the old key listed after the new one while rotating."
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the newest key."""
        return self._fernet.rotate(ciphertext.encode()).decode()


def mask(secret: str) -> str:
    """What the UI shows of a stored secret: its last four characters at most."""
    if len(secret) <= 8:
        return "•" * len(secret)
    return "•" * 8 + secret[-4:]
