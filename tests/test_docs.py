"""Docs that the code checks (datasette's tests/test_docs.py idea)."""

import re
from pathlib import Path

from b2a.settings import declared_settings, load_settings, parse_env_file

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
EXAMPLE = (ROOT / "deploy" / "b2a.env.example").read_text()
DECLARED = {f.metadata["env"] for f in declared_settings()}
NOT_SETTINGS = {"B2A_CONFIG"}


def _mentioned(text):
    names = set(re.findall(r"\bB2A_[A-Z0-9_]+", text))
    return {n.removesuffix("_FILE") for n in names} - NOT_SETTINGS


def test_every_setting_is_documented_and_in_the_example():
    assert DECLARED - _mentioned(CONFIGURATION) == set()
    assert DECLARED - set(parse_env_file(EXAMPLE)) == set()


def test_docs_and_example_name_no_setting_the_code_does_not_read():
    assert _mentioned(CONFIGURATION) - DECLARED == set()
    assert set(parse_env_file(EXAMPLE)) - DECLARED == set()


def test_every_setting_has_a_description():
    assert all(f.metadata["description"].strip() for f in declared_settings())


def test_the_example_parses_as_valid_settings_once_secrets_are_set():
    values = parse_env_file(EXAMPLE)
    values.update(B2A_SECRET_KEY="s", B2A_ENCRYPTION_KEY="k")
    settings = load_settings(values)
    assert settings.core.env == "development"
