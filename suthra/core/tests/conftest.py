import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_after_test():
    # A request by a user who works in Urdu leaves Urdu active in this thread (the language
    # middleware activates it, nothing resets it after the response); tests that run later in
    # the same process, outside a request (management commands), would then speak Urdu.
    yield
    translation.activate(settings.LANGUAGE_CODE)
