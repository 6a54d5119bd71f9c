"""Data for the API fuzz pass (.ci/fuzz_api): the test world and a staff token, printed on stdout."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from gongzhi.accounts.services import token_create  # noqa: E402
from gongzhi.territory.testing import build_world  # noqa: E402

world = build_world()
_token, key = token_create(actor=world.users["community_a"], name="fuzz")
print(key)
