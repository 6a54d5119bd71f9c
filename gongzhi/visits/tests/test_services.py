import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from gongzhi.accounts.models import Notification
from gongzhi.people.models import MemberHousehold, PartyMember, Resident
from gongzhi.territory.models import Role
from gongzhi.territory.testing import assign, make_user
from gongzhi.tickets.models import Channel, Ticket
from gongzhi.visits import selectors, services
from gongzhi.visits.models import (
    CampaignHousehold,
    CareDue,
    CareRole,
    FindingTag,
    HouseholdChange,
    Outcome,
    Visit,
    VisitKind,
)
from gongzhi.visits.testing import tagged_resident

pytestmark = pytest.mark.django_db


def _visit(world, user="grid_a1", household=None, **kw):
    kw.setdefault("kind", VisitKind.HOME)
    kw.setdefault("tags", [FindingTag.NONE])
    return services.visit_record(actor=world.users[user], household=household or world.hh_a1, **kw)


def test_visit_recorded_with_place_copied_and_audited(world):
    visit, created = _visit(world, findings="老人身体健康", met="张大爷")
    assert created
    assert (visit.community_id, visit.grid_id, visit.micro_grid_id) == (
        world.community_a.pk, world.grid_a1.pk, world.micro_a1_1.pk)
    assert visit.tag_values == ["none"]
    assert list(visit.visitors.all()) == [world.users["grid_a1"]]


@pytest.mark.parametrize("user", ["grid_a2", "community_b", "resident_a1", "nobody"])
def test_only_answerable_people_record(world, user):
    with pytest.raises(PermissionDenied):
        _visit(world, user=user)


@pytest.mark.parametrize("user,seen", [("grid_a1", True), ("micro_a1", True), ("unit_a1", True),
                                       ("community_a", True), ("street", True), ("grid_a2", False),
                                       ("community_b", False), ("resident_a1", False)])
def test_visits_read_only_by_those_answerable(world, user, seen):
    visit, _ = _visit(world)
    assert (visit in selectors.visible_visits(world.users[user])) is seen
    if not seen:
        with pytest.raises(Http404):
            selectors.get_visit(world.users[user], visit.pk)


def test_party_member_serving_the_household_may_record(world):
    member_user = make_user("member")
    r = Resident.objects.create(household=world.hh_b1, name="党员甲", user=member_user)
    pm = PartyMember.objects.create(resident=r, category="resident")
    MemberHousehold.objects.create(member=pm, household=world.hh_a2)
    visit, _ = services.visit_record(actor=member_user, household=world.hh_a2, kind=VisitKind.PHONE, tags=["none"])
    assert selectors.get_visit(member_user, visit.pk) == visit
    assert selectors.visit_household(member_user, world.hh_a2.pk) == world.hh_a2
    with pytest.raises(Http404):
        selectors.visit_household(member_user, world.hh_a1.pk)


@pytest.mark.parametrize("kw,field", [
    ({"kind": "bogus"}, "kind"),
    ({"tags": ["none", "hazard"]}, "tags"),
    ({"tags": ["=cmd"]}, "tags"),
    ({"tags": [], "findings": ""}, "findings"),
    ({"persons_met": 99}, "persons_met"),
    ({"persons_met": "x"}, "persons_met"),
    ({"visited_at": timezone.now() + datetime.timedelta(days=1)}, "visited_at"),
    ({"visited_at": timezone.now() - datetime.timedelta(days=400)}, "visited_at"),
])
def test_bad_input_is_refused_and_nothing_written(world, kw, field):
    with pytest.raises(ValidationError) as e:
        _visit(world, **kw)
    assert field in e.value.message_dict
    assert not Visit.objects.exists()


def test_control_characters_are_stripped(world):
    visit, _ = _visit(world, findings="楼道\x00灯坏了\x1b")
    assert visit.findings == "楼道灯坏了"


def test_client_key_makes_a_resend_return_the_first_visit(world):
    v1, c1 = _visit(world, client_key="abc-1")
    v2, c2 = _visit(world, client_key="abc-1")
    assert (c1, c2) == (True, False) and v1.pk == v2.pk
    assert Visit.objects.count() == 1
    # Another recorder's identical key is another visit.
    v3, c3 = _visit(world, user="micro_a1", client_key="abc-1")
    assert c3 and v3.pk != v1.pk


def test_care_dues_from_rules_moved_on_by_a_visit(world):
    old = tagged_resident(world.hh_a1, "孤老甲", "solitary")
    tagged_resident(world.hh_a2, "空巢乙", "empty_nest")
    services.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                           every_days=7)
    due = CareDue.objects.get(resident=old)
    assert due.due_on == timezone.localdate() and due.role == CareRole.GRID_WORKER
    assert CareDue.objects.count() == 1  # no rule for 空巢 yet
    assert [d.resident for d in selectors.today_list(world.users["grid_a1"])] == [old]
    assert selectors.today_list(world.users["grid_a2"]) == []
    visit, _ = _visit(world)
    due.refresh_from_db()
    assert due.done_on == timezone.localdate() and due.visit == visit
    nxt = CareDue.objects.get(resident=old, done_on__isnull=True)
    assert nxt.due_on == timezone.localdate() + datetime.timedelta(days=7)
    assert selectors.today_list(world.users["grid_a1"]) == []
    # Sync again: idempotent.
    assert services.care_sync(community=world.community_a) == 0


def test_patrol_and_nobody_home_do_not_count_as_care_visits(world):
    tagged_resident(world.hh_a1, "孤老甲", "solitary")
    services.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                           every_days=7)
    _visit(world, kind=VisitKind.PATROL)
    _visit(world, outcome=Outcome.NOBODY_HOME, tags=[])
    assert CareDue.objects.filter(done_on__isnull=False).count() == 0


def test_micro_grid_head_rule_goes_to_their_list(world):
    old = tagged_resident(world.hh_a1, "残疾人甲", "disabled")
    services.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="disabled",
                           every_days=30, role=CareRole.MICRO_GRID_HEAD)
    assert [d.resident for d in selectors.today_list(world.users["micro_a1"])] == [old]
    assert selectors.today_list(world.users["grid_a1"]) == []


def test_care_rule_needs_community_staff_and_a_sane_period(world):
    with pytest.raises(PermissionDenied):
        services.care_rule_set(actor=world.users["grid_a1"], community=world.community_a, key_group="solitary",
                               every_days=7)
    with pytest.raises(ValidationError):
        services.care_rule_set(actor=world.users["community_a"], community=world.community_a,
                               key_group="solitary", every_days=0)
    with pytest.raises(PermissionDenied):
        services.care_rule_set(actor=world.users["community_b"], community=world.community_a,
                               key_group="solitary", every_days=7)


def test_overdue_care_visits_reported_to_the_grid_head_once(world):
    head = make_user("head_a1")
    assign(head, Role.GRID_HEAD, world.grid_a1)
    tagged_resident(world.hh_a1, "孤老甲", "solitary")
    services.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                           every_days=7)
    CareDue.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    assert services.report_overdue() == 1
    assert Notification.objects.filter(user=head).count() == 1
    assert services.report_overdue() == 0
    assert Notification.objects.filter(user=head).count() == 1


def test_ticket_from_a_finding_is_linked_and_filed_once(world, catalogue):
    visit, _ = _visit(world, tags=[FindingTag.HAZARD], findings="三楼外墙瓷砖松动，有坠落危险")
    f1 = services.visit_file_ticket(actor=world.users["grid_a1"], visit=visit, tag=FindingTag.HAZARD,
                                    category=services.default_category(FindingTag.HAZARD))
    f2 = services.visit_file_ticket(actor=world.users["grid_a1"], visit=visit, tag=FindingTag.HAZARD,
                                    category=services.default_category(FindingTag.HAZARD))
    assert f1.pk == f2.pk
    t = Ticket.objects.get()
    assert (t.channel, t.household_id, t.category.code, t.kind) == (Channel.VISIT, world.hh_a1.pk, "hazard", "hazard")
    with pytest.raises(PermissionDenied):
        services.visit_file_ticket(actor=world.users["grid_a2"], visit=visit, category=None)


def test_wish_from_a_finding_by_the_grid_worker(world, catalogue):
    r = tagged_resident(world.hh_a1, "王奶奶", "elderly")
    visit, _ = _visit(world, resident=r, tags=[FindingTag.NEED], findings="想要一台收音机")
    f = services.visit_file_wish(actor=world.users["grid_a1"], visit=visit, title="一台收音机")
    assert f.wish.household == world.hh_a1 and f.wish.resident_name == "王奶奶"
    assert services.visit_file_wish(actor=world.users["grid_a1"], visit=visit, title="一台收音机").pk == f.pk


def test_change_proposed_at_the_door_applied_by_an_editor(world):
    r = tagged_resident(world.hh_a1, "李四", phone="13800000000")
    version = services.household_version(world.hh_a1)
    visit, _ = _visit(world, user="micro_a1", tags=[FindingTag.CHANGE], findings="换了手机号；添了孙子",
                      household_version_seen=version,
                      changes=[{"kind": "phone", "resident_id": r.pk, "phone": "13900000000"},
                               {"kind": "new_resident", "name": "李小宝", "relation": "grandchild"}])
    phone, baby = visit.changes.order_by("id")
    r.refresh_from_db()
    assert r.phone == "13800000000"  # proposed, not applied
    with pytest.raises(PermissionDenied):  # a micro-grid head may not edit the household record
        services.change_apply(actor=world.users["micro_a1"], change=phone)
    services.change_apply(actor=world.users["grid_a1"], change=phone)
    services.change_apply(actor=world.users["grid_a1"], change=baby)
    r.refresh_from_db()
    assert r.phone == "13900000000"
    assert Resident.objects.filter(household=world.hh_a1, name="李小宝").exists()
    with pytest.raises(services.Conflict):
        services.change_apply(actor=world.users["grid_a1"], change=phone)
    # The record changed since the phone saw it: a change against the old version is a conflict.
    with pytest.raises(services.Conflict) as e:
        _visit(world, household_version_seen=version, changes=[{"kind": "move_out", "resident_id": r.pk}])
    assert e.value.code == "household_changed"
    assert HouseholdChange.objects.count() == 2


def test_campaign_progress_with_a_second_try(world):
    c = services.campaign_create(actor=world.users["community_a"], community=world.community_a, name="敲门行动",
                                 deadline=timezone.localdate() + datetime.timedelta(days=7),
                                 node=world.compound_a)
    assert c.households.count() == 2
    _visit(world, kind=VisitKind.KNOCK, campaign=c, outcome=Outcome.NOBODY_HOME, tags=[])
    row = CampaignHousehold.objects.get(campaign=c, household=world.hh_a1)
    assert (row.state, row.attempts) == ("nobody_home", 1)
    _visit(world, kind=VisitKind.KNOCK, campaign=c)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("visited", 2)
    got = selectors.get_campaign(world.users["grid_a1"], c.pk)
    assert (got.total, got.visited, got.nobody) == (2, 1, 0)
    with pytest.raises(Http404):
        selectors.get_campaign(world.users["community_b"], c.pk)
    with pytest.raises(ValidationError):  # a household outside the campaign
        _visit(world, household=world.hh_b1, user="community_b", campaign=c)


def test_run_sla_reports_overdue_care_visits_once(world, capsys):
    from django.core.management import call_command

    head = make_user("head_a1b")
    assign(head, Role.GRID_HEAD, world.grid_a1)
    tagged_resident(world.hh_a1, "孤老甲", "solitary")
    services.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                           every_days=7)
    CareDue.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    call_command("run_sla")
    assert "care overdue reported 1" in capsys.readouterr().out
    call_command("run_sla")
    assert "care overdue reported 0" in capsys.readouterr().out
    assert Notification.objects.filter(user=head).count() == 1
