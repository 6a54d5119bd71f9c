"""A dump of the whole database holds no ID number or phone in clear: residents' and organisations'
(people), accounts' phones, ticket reporters' phones and a visit's proposed new phone. Lives here
because visits sees every app it needs (accounts ← people ← tickets ← visits)."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from gongzhi.accounts.models import User
from gongzhi.accounts.services import find_user
from gongzhi.core import crypto
from gongzhi.people import services as people
from gongzhi.people.models import Organisation
from gongzhi.people.tests.factories import make_id
from gongzhi.territory.services_setup import account_open
from gongzhi.tickets.services import ticket_submit
from gongzhi.tickets.testing import ensure_catalogue
from gongzhi.visits import services
from gongzhi.visits.models import FindingTag, HouseholdChange, VisitKind
from gongzhi.visits.testing import tagged_resident

pytestmark = pytest.mark.django_db


def _dump() -> str:
    """What a dump would contain: every value of every table, as text."""
    out = []
    with connection.cursor() as cur:
        for model in apps.get_models(include_auto_created=True):
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
            out.extend(str(v) for row in cur.fetchall() for v in row)
    return "\n".join(out)


def test_a_dump_of_every_table_shows_no_id_number_or_phone_in_clear(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    secrets = {
        "resident id": make_id("19610203"), "resident phone": "13911112222", "organisation phone": "02866667777",
        "account phone": "13922223333", "reporter phone": "13933334444", "visit new phone": "13944445555",
        "self-reporter's account phone": "13955556666",
    }
    people.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="郑大",
                           id_number=secrets["resident id"], phone=secrets["resident phone"])
    Organisation.objects.create(name="物业", community=world.community_a, phone=secrets["organisation phone"])
    account_open(actor=world.users["community_a"], username="newstaff", name="新同事",
                 phone=secrets["account phone"], password="Gz-strong-pass-2026")
    cats = ensure_catalogue()
    ticket_submit(actor=world.users["community_a"], channel="hotline", category=cats["repair"],
                  description="一单元楼道的声控灯坏了，晚上很黑", household=world.hh_a1,
                  reporter_name="王先生", reporter_phone=secrets["reporter phone"])
    resident_user = world.users["resident_a1"]
    resident_user.phone = secrets["self-reporter's account phone"]
    resident_user.save()
    ticket_submit(actor=resident_user, channel="self", category=cats["repair"], reporter=resident_user,
                  description="小区门口的路灯不亮了，请尽快修理", household=world.hh_a1)
    r = tagged_resident(world.hh_a1, "李四", relation="child", phone="13800000000")
    visit, _ = services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind=VisitKind.HOME,
                                     tags=[FindingTag.CHANGE], findings="换了手机号",
                                     changes=[{"kind": "phone", "resident_id": r.pk,
                                               "phone": secrets["visit new phone"]}])
    dump = _dump()
    assert "13800000000" not in dump  # the helper's own resident phone too
    in_clear = [what for what, value in secrets.items() if value in dump]
    assert in_clear == []
    # Still read back in clear, and the proposed phone still applies.
    change = HouseholdChange.objects.get(visit=visit)
    assert change.new_phone == secrets["visit new phone"] and "phone" not in change.data
    services.change_apply(actor=world.users["grid_a1"], change=change)
    r.refresh_from_db()
    assert r.phone == secrets["visit new phone"]
    assert resident_user.reported_tickets.get().reporter_phone == secrets["self-reporter's account phone"]


def test_accounts_found_by_whole_phone_through_the_index_and_unique_on_it(world):
    u = world.users["grid_a1"]
    u.phone = "13977778888"
    u.save()
    with connection.cursor() as cur:
        cur.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [u.pk])
        sealed, index = cur.fetchone()
    assert crypto.is_sealed(sealed) and len(index) == 32 and "13977778888" not in sealed + index
    assert User.objects.get(phone="13977778888") == u
    assert find_user("13977778888") == u  # signing in by phone
    assert list(User.objects.filter(phone__in=["13977778888", "13900000009"])) == [u]
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="twin", phone="13977778888")
    # Several accounts without a phone are fine (NULL index).
    User.objects.create(username="nophone1")
    User.objects.create(username="nophone2")


def test_partial_phone_search_on_sealed_columns_is_refused():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(User.objects.filter(phone__contains="7777"))


def test_pending_changes_api_still_shows_the_proposed_phone_in_data(world, client_for):
    r = tagged_resident(world.hh_a1, "李四", relation="child", phone="13800000000")
    services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind=VisitKind.HOME,
                          tags=[FindingTag.CHANGE], changes=[{"kind": "phone", "resident_id": r.pk, "phone": "13944445555"},
                                                             {"kind": "move_out", "resident_id": r.pk}])
    items = client_for(world.users["grid_a1"]).get("/api/visits/changes").json()["items"]
    by_kind = {i["kind"]: i["data"] for i in items}
    assert by_kind["phone"] == {"phone": "13944445555"} and "phone" not in by_kind["move_out"]


def test_migrations_seal_rows_written_in_clear_before_them(world):
    """Rows as they were before the migrations (clear values, no index, the phone in the JSON) come
    out sealed, indexed and moved."""
    import importlib
    import json

    r = tagged_resident(world.hh_a1, "李四", relation="child", phone="13800000000")
    visit, _ = services.visit_record(actor=world.users["grid_a1"], household=world.hh_a1, kind=VisitKind.HOME,
                                     tags=[FindingTag.CHANGE],
                                     changes=[{"kind": "phone", "resident_id": r.pk, "phone": "13944445555"}])
    cats = ensure_catalogue()
    t = ticket_submit(actor=world.users["community_a"], channel="hotline", category=cats["repair"],
                      description="一单元楼道的声控灯坏了，晚上很黑", household=world.hh_a1)
    u = world.users["grid_a1"]
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_user SET phone = %s, phone_index = NULL WHERE id = %s", ["13977778888", u.pk])
        cur.execute("UPDATE tickets_ticket SET reporter_phone = %s WHERE id = %s", ["13933334444", t.pk])
        cur.execute("UPDATE visits_householdchange SET data = %s, new_phone = '' WHERE visit_id = %s",
                    [json.dumps({"phone": "13944445555"}), visit.pk])
    for module, fn in (("gongzhi.accounts.migrations.0004_encrypt_user_phone", "seal_existing"),
                       ("gongzhi.tickets.migrations.0008_encrypt_reporter_phone", "seal_existing"),
                       ("gongzhi.visits.migrations.0003_household_change_phone_sealed_column",
                        "move_phone_out_of_json")):
        getattr(importlib.import_module(module), fn)(apps, None)
    dump = _dump()
    assert not [p for p in ("13977778888", "13933334444", "13944445555") if p in dump]
    assert User.objects.get(phone="13977778888") == u
    t.refresh_from_db()
    change = HouseholdChange.objects.get(visit=visit)
    assert (t.reporter_phone, change.new_phone, change.data) == ("13933334444", "13944445555", {})
