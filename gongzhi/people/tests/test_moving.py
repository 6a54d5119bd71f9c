"""A person who moved out of one community can be registered in another; the old record stays."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongzhi.people import services
from gongzhi.people.ledger import ledger_import
from gongzhi.people.models import Resident
from gongzhi.people.tests.factories import ledger_bytes, make_id, row


@pytest.fixture
def moved(world):
    idn = make_id()
    r = services.resident_create(actor=world.users["community_b"], household=world.hh_b1, name="李四",
                                 relation="head", id_number=idn)
    return r, idn


@pytest.mark.django_db
def test_current_record_elsewhere_blocks_until_moved_out(world, moved):
    r, idn = moved
    with pytest.raises(ValidationError) as e:
        services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="李四",
                                 relation="head", id_number=idn)
    assert "迁出" in str(e.value)
    services.resident_move_out(actor=world.users["community_b"], resident=r, on=datetime.date(2026, 5, 1))
    new = services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="李四",
                                   relation="head", id_number=idn)
    assert Resident.objects.filter(id_number=idn).count() == 2
    r.refresh_from_db()
    assert r.household_id == world.hh_b1.pk and r.moved_out_on == datetime.date(2026, 5, 1)
    assert new.household_id == world.hh_a1.pk and new.moved_out_on is None


@pytest.mark.django_db
def test_ledger_import_registers_a_person_who_moved_out_elsewhere(world, moved):
    r, idn = moved
    data = ledger_bytes([row(姓名="李四", 身份证号=idn)])
    result = ledger_import(actor=world.users["community_a"], community=world.community_a, data=data)
    assert not result.ok and "原社区先办理迁出" in result.errors[0].message
    assert Resident.objects.filter(id_number=idn).count() == 1
    services.resident_move_out(actor=world.users["community_b"], resident=r)
    result = ledger_import(actor=world.users["community_a"], community=world.community_a, data=data)
    assert result.ok, result.errors
    assert Resident.objects.filter(id_number=idn, moved_out_on__isnull=True).get().household.node_path.startswith(
        world.community_a.path)
    # Importing the same file again matches the new record instead of creating a third one.
    assert ledger_import(actor=world.users["community_a"], community=world.community_a, data=data).ok
    assert Resident.objects.filter(id_number=idn).count() == 2
