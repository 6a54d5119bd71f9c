"""ID numbers and phones are sealed in the database (AES-GCM, key id on every value) and found again
through the blind index; full numbers only for staff of the resident's own area, never cached."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from gongzhi.core import crypto
from gongzhi.people import services
from gongzhi.people.models import Organisation, Resident
from gongzhi.territory.models import Role
from gongzhi.territory.testing import assign

from .factories import make_id

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _all_text_in(tables: list[str]) -> str:
    """What a dump of these tables would contain: every stored value as text."""
    out = []
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(str(v) for row in cur.fetchall() for v in row)
    return "\n".join(out)


def _people_tables() -> list[str]:
    from django.apps import apps

    return [m._meta.db_table for m in apps.get_app_config("people").get_models()]


def test_a_dump_shows_no_id_number_or_phone_in_clear(world):
    idn = make_id("19620304")
    r = services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="郑大", id_number=idn,
                                 phone=PHONE)
    dump = _all_text_in(_people_tables() + ["accounts_auditlog"])
    assert idn not in dump and PHONE not in dump
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, id_number_index FROM people_resident WHERE id = %s", [r.pk])
        sealed_id, sealed_phone, index = cur.fetchone()
    assert crypto.key_id_of(sealed_id) == crypto.key_id_of(sealed_phone) == crypto.current_key_id()
    assert len(index) == 32 and idn not in index
    # Read back transparently, found by exact look-up (through the blind index).
    again = Resident.objects.get(id_number=idn)
    assert (again.pk, again.id_number, again.phone) == (r.pk, idn, PHONE)
    assert list(Resident.objects.filter(id_number__in=[idn, make_id("19990101")])) == [again]
    assert Resident.objects.filter(id_number=make_id("19620304")).count() == 0 or make_id("19620304") == idn


def test_sealed_values_are_bound_to_their_column_and_tamper_evident():
    sealed = crypto.seal("110101199003071234", "people.resident.id_number")
    assert crypto.open_sealed(sealed, "people.resident.id_number") == "110101199003071234"
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(sealed, "people.resident.phone")
    mid = len(sealed) - 20  # inside the ciphertext, clear of base64 padding bits
    tampered = sealed[:mid] + ("A" if sealed[mid] != "A" else "B") + sealed[mid + 1:]
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(tampered, "people.resident.id_number")


def test_uniqueness_among_current_residents_holds_on_the_index(world):
    idn = make_id("19700101")
    services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="甲", id_number=idn)
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.create(household=world.hh_b1, name="乙", id_number=idn)


def test_contains_on_a_sealed_column_is_refused():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Resident.objects.filter(id_number__startswith="1101"))


def test_rotation_reseals_every_value_under_the_new_key(world, settings):
    idn = make_id("19550505")
    r = services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="丙", id_number=idn,
                                 phone=PHONE)
    org = Organisation.objects.create(name="物业", community=world.community_a, phone="02888886666")
    settings.DATA_KEYS = "t2:" + "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0=" + "," + settings.DATA_KEYS
    call_command("rotate_data_key")
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM people_resident WHERE id = %s", [r.pk])
        sealed = cur.fetchone()
        cur.execute("SELECT phone FROM people_organisation WHERE id = %s", [org.pk])
        sealed += cur.fetchone()
    assert {crypto.key_id_of(v) for v in sealed} == {"t2"}
    settings.DATA_KEYS = settings.DATA_KEYS.split(",")[0]  # the old key can go now
    again = Resident.objects.get(id_number=idn)
    assert (again.id_number, again.phone) == (idn, PHONE)
    assert Organisation.objects.get(pk=org.pk).phone == "02888886666"


def test_full_id_only_for_staff_of_the_residents_area_and_never_cached(world, client_for):
    idn = make_id("19800202")
    r = services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="丁", id_number=idn)
    own = client_for(world.users["community_a"]).get(reverse("people:resident", args=[r.pk]))
    assert idn in own.content.decode() and "no-store" in own["Cache-Control"]
    # Staff of community B who also works a grid in A sees A's residents, but not their full numbers.
    other = world.users["community_b"]
    assign(other, Role.GRID_WORKER, world.grid_a1)
    page = client_for(other).get(reverse("people:resident", args=[r.pk]))
    assert page.status_code == 200 and idn not in page.content.decode() and r.masked_id_number in page.content.decode()
    hh = client_for(other).get(reverse("people:household", args=[world.hh_a1.pk]))
    assert idn not in hh.content.decode() and "no-store" in hh["Cache-Control"]


def test_full_export_of_everything_visible_keeps_to_the_users_staff_areas(world, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    own, other = make_id("19810101"), make_id("19820202")
    services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="本区", id_number=own)
    services.resident_create(actor=world.users["community_b"], household=world.hh_b1, name="外区", id_number=other)
    user = world.users["community_b"]
    assign(user, Role.GRID_WORKER, world.grid_a1)  # sees A's households, is staff only in B
    c = client_for(user)
    r = c.get(reverse("people:export") + "?full=1")
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    cells = {str(v) for row in load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True) for v in row}
    assert other in cells and own not in cells
    assert c.get(reverse("people:export") + f"?full=1&node={world.community_a.pk}").status_code == 403


def test_api_resident_detail_is_never_cached_and_full_only_in_own_area(world, client):
    from gongzhi.accounts.services import token_create

    idn = make_id("19830303")
    r = services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="戊", id_number=idn)
    _t, key = token_create(actor=world.users["community_a"], name="t")
    res = client.get(f"/api/people/residents/{r.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert res.status_code == 200 and res.json()["id_number"] == idn and "no-store" in res["Cache-Control"]
    other = world.users["community_b"]
    assign(other, Role.GRID_WORKER, world.grid_a1)
    _t, key = token_create(actor=other, name="t")
    res = client.get(f"/api/people/residents/{r.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert res.status_code == 200 and res.json()["id_number"] != idn and res.json()["full_id_number"] is False
