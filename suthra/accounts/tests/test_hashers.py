"""The production password hasher: Argon2id with OWASP's parameters, old hashes upgraded."""

import argon2
import pytest
from django.conf import settings
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    get_hasher,
    identify_hasher,
    make_password,
)

from suthra.accounts.hashers import SuthraArgon2PasswordHasher

SECRET = "correct-horse-battery-42"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS


def test_production_settings_put_it_first_and_alone_for_argon2():
    hashers = settings.PRODUCTION_PASSWORD_HASHERS
    assert hashers[0] == "suthra.accounts.hashers.SuthraArgon2PasswordHasher"
    # Two hashers named "argon2" would make Django read old hashes with the last one.
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" not in hashers


def test_owasp_parameters(production_hashers):
    encoded = make_password(SECRET)
    assert encoded.startswith("argon2$argon2id$")
    params = argon2.extract_parameters(encoded.removeprefix("argon2"))
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    assert isinstance(identify_hasher(encoded), SuthraArgon2PasswordHasher)
    assert check_password(SECRET, encoded)
    assert not check_password("wrong-password-42", encoded)
    assert not get_hasher("default").must_update(encoded)


def test_old_default_argon2_hash_verifies_and_is_upgraded_at_login(
    production_hashers, world, client, password
):
    old = Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    assert argon2.extract_parameters(old.removeprefix("argon2")).memory_cost == 102400
    assert SuthraArgon2PasswordHasher().verify(password, old)
    assert SuthraArgon2PasswordHasher().must_update(old)
    type(world.agent_a).objects.filter(pk=world.agent_a.pk).update(password=old)

    response = client.post(
        "/accounts/login/", {"username": "agent_a", "password": password}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    new = world.agent_a.password
    assert new != old
    params = argon2.extract_parameters(new.removeprefix("argon2"))
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    assert world.agent_a.check_password(password)
