"""The cost of password hashes is a setting; a hash verifies whatever cost made it."""

from argon2 import extract_parameters

from b2a.settings import load_settings
from b2a.tenants.passwords import configure_hashing, hash_password, verify_password


async def test_standard_hashes_cost_64_mib_and_3_passes_and_minimal_ones_verify_alongside(
    base_env,
):
    try:
        configure_hashing(load_settings({}).auth)
        standard = await hash_password("correct horse battery")
        configure_hashing(load_settings({"B2A_AUTH_PASSWORD_HASH_COST": "minimal"}).auth)
        minimal = await hash_password("correct horse battery")
        assert await verify_password(standard, "correct horse battery")
        assert not await verify_password(standard, "correct horse batterY")
        assert await verify_password(minimal, "correct horse battery")
    finally:
        configure_hashing(load_settings(base_env).auth)
    made = extract_parameters(standard)
    assert (made.memory_cost, made.time_cost, made.parallelism) == (65536, 3, 4)
    assert extract_parameters(minimal).memory_cost == 8
