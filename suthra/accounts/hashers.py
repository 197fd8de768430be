"""Password hashers.

Django's default Argon2 parameters (``memory_cost`` 100 MiB, ``parallelism`` 8) cost 100 MB of
memory per login in progress: fifty staff logging in at 9 am on a small server pushed the app
processes from ~460 MB to 800–915 MB. OWASP's Password Storage Cheat Sheet lists Argon2id with
19 MiB of memory, 2 iterations and 1 degree of parallelism as its first recommended
configuration; that is what ``SuthraArgon2PasswordHasher`` uses.

It keeps the algorithm name ``argon2``, so hashes made with other parameters (Django's default)
still verify — Argon2 reads the parameters from the hash itself — and ``must_update`` reports
them as outdated, so Django re-hashes the password with these parameters at the next login.
Django's own ``Argon2PasswordHasher`` must NOT also be listed in ``PASSWORD_HASHERS``: two
hashers with one algorithm name would make Django pick the last one for existing hashes.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class SuthraArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's parameters: 19 MiB, 2 iterations, 1 lane."""

    memory_cost = 19 * 1024  # KiB: 19 MiB
    time_cost = 2
    parallelism = 1
