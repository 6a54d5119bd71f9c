"""Internal notes (a dispatch instruction) stay with the people handling the ticket: the resident's
timeline shows the step without the note, on the page and in the API."""

import pytest
from django.urls import reverse

from gongzhi.tickets import selectors, services

pytestmark = pytest.mark.django_db
NOTE = "请网格员尽快联系物业维修门禁"


def test_resident_does_not_see_dispatch_note(world, submit, client_for):
    u = world.users
    t = submit(reporter=u["resident_a1"])
    services.ticket_dispatch(actor=u["community_a"], ticket=t, note=NOTE)
    services.ticket_accept(actor=u["grid_a1"], ticket=t)
    services.ticket_resolve(actor=u["grid_a1"], ticket=t, result="门禁已修好")
    t.refresh_from_db()
    mine = selectors.ticket_timeline(u["resident_a1"], t)
    assert [e.action for e in mine][:2] == ["submit", "dispatch"]
    assert all(e.note != NOTE for e in mine)
    assert any(e.note == NOTE for e in selectors.ticket_timeline(u["grid_a1"], t))
    page = client_for(u["resident_a1"]).get(reverse("tickets:detail", args=[t.pk])).content.decode()
    assert NOTE not in page and "门禁已修好" in page
    assert NOTE in client_for(u["community_a"]).get(reverse("tickets:detail", args=[t.pk])).content.decode()
