"""The server may sit on an intranet with no internet: pages load nothing from outside."""

import re

import pytest
from django.urls import reverse

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


@pytest.mark.django_db
def test_pages_reference_no_external_assets(world, client, client_for):
    pages = [
        (client, reverse("accounts:login")),
        (client, "/api/docs"),
        (client_for(world.users["community_a"]), reverse("dashboard:home")),
        (client_for(world.users["community_a"]), reverse("territory:node", args=[world.community_a.pk])),
        (client_for(world.users["grid_a1"]), reverse("people:household", args=[world.hh_a1.pk])),
    ]
    for c, url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        assert not EXTERNAL.findall(body), (url, EXTERNAL.findall(body))
        assert "cdn." not in body, url
