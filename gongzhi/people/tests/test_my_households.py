"""Given a person, which households: through roles and as a serving party member (党员联系户)."""

import pytest
from django.urls import reverse

from gongzhi.people import selectors, services


@pytest.fixture
def member(world):
    staff = world.users["community_a"]
    me = services.resident_create(actor=staff, household=world.hh_a1, name="李党员", relation="head")
    me.user = world.users["resident_a1"]
    me.save(update_fields=["user"])
    pm = services.party_member_register(actor=staff, resident=me, category="in_service", work_unit="市住建局")
    services.member_household_link(actor=staff, member=pm, household=world.hh_a2)
    return pm


@pytest.mark.django_db
def test_party_member_answers_for_linked_households_not_own_home(world, member):
    rows = {h.pk: (h.via_role, h.via_member) for h in selectors.households_for_person(world.users["resident_a1"])}
    assert rows == {world.hh_a2.pk: (False, True)}


@pytest.mark.django_db
def test_role_holder_households_are_marked_by_role(world, member):
    rows = {h.pk: h.via_role for h in selectors.households_for_person(world.users["grid_a1"])}
    assert rows == {world.hh_a1.pk: True}
    assert not selectors.households_for_person(world.users["nobody"]).exists()


@pytest.mark.django_db
def test_my_households_page_and_api(world, member, client_for):
    c = client_for(world.users["resident_a1"])
    body = c.get(reverse("people:my_households")).content.decode()
    assert world.hh_a2.address in body and "党员联系户" in body
    # The member sees the address but the household page stays out of reach (no role there).
    assert reverse("people:household", args=[world.hh_a2.pk]) not in body
    items = c.get("/api/people/my/households").json()["items"]
    assert [(i["id"], i["via_member"]) for i in items] == [(world.hh_a2.pk, True)]


@pytest.mark.django_db
def test_my_households_page_query_count_is_bounded(world, client_for, django_assert_max_num_queries):
    c = client_for(world.users["street"])
    with django_assert_max_num_queries(12):
        assert c.get(reverse("people:my_households")).status_code == 200
