"""The ticket statistics workbook writes place names as text (no formula from a name)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_stats_export_writes_a_formula_like_place_name_as_text(world, flow, client_for):
    flow("closed")
    world.community_a.name = "=HYPERLINK(\"http://x\",\"点我\")"
    world.community_a.save(update_fields=["name"])
    c = client_for(world.users["community_a"])
    x = c.get(reverse("tickets:stats_xlsx") + f"?node={world.community_a.pk}")
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(x.streaming_content) if x.streaming else x.content)).active
    cell = ws.cell(row=1, column=2)
    assert cell.value == world.community_a.name and cell.data_type == "s" and cell.quotePrefix
