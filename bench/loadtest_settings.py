"""Production settings for `make loadtest`, except static files stored without the manifest.

`collectstatic` with the manifest storage currently fails on a vendored file that names a
missing source map (see docs/PERFORMANCE.md); the load test should not depend on that.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
