"""The core app's URLs in the access matrix (see suthra/testing/access.py)."""

from __future__ import annotations

from suthra.testing.access import Case

# The core app's own URLs (each app declares its own in tests/access_cases.py).
CASES = [
    Case("core:home", "ANY"),
    Case("core:health", "PUBLIC"),
    Case("core:install", "PUBLIC"),
]
