"""Settings for the test suite: production settings plus safe local defaults."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
# Tests log users in with force_login; the two-factor tests turn the requirement on themselves.
os.environ.setdefault("OTP_REQUIRED_FOR_ADMINS", "false")
# Browser journeys log in through the form many times from 127.0.0.1; the rate-limit tests
# lower these limits themselves.
os.environ.setdefault("LOGIN_RATE_PER_IP", "10000")
os.environ.setdefault("LOGIN_RATE_PER_USERNAME", "10000")
# The SMS gateway's inbound callback needs a shared secret; sending is not rate limited here.
os.environ.setdefault("SMS_INBOUND_SECRET", "test-inbound-secret")
os.environ.setdefault("SMS_RATE_PER_SECOND", "1000")

from config.settings import *  # noqa: E402,F403
from config.settings import PASSWORD_HASHERS as _PRODUCTION_HASHERS  # noqa: E402

# Argon2 stays the production hasher (tested); a fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *_PRODUCTION_HASHERS]
PRODUCTION_PASSWORD_HASHERS = _PRODUCTION_HASHERS
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The public bill lookup: the access matrix hits it many times from one address; the rate-limit
# tests set their own limits. No floor on the answer time (the timing test sets one).
BILL_LOOKUP_PER_IP = 10_000
BILL_LOOKUP_PER_PSID = 10_000
LOOKUP_MIN_SECONDS = 0
