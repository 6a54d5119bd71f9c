"""Settings for the test suite: the production settings with test-only keys and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("GONGZHI_DATA_KEYS", "t1:dGVzdC1vbmx5LWRhdGEta2V5LXRlc3Qtb25seS0wMSE=")
os.environ.setdefault("GONGZHI_INDEX_KEY", "test-only-index-key")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run inside a transaction that other connections cannot see: the expiry runs in the test's own
# connection, except in the test that runs it in parallel (transactional) and compares the results.
POINTS_EXPIRY_WORKERS = 1
# No collectstatic in tests: WhiteNoise serves from the apps' static folders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The demo builders (gongzhi/demo) are tested too.
if "gongzhi.demo" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "gongzhi.demo"]  # noqa: F405
