"""manage.py backup → restore into an empty database: the same data, working logins, the media back."""

import sqlite3
import tarfile
import uuid

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import connection, connections

from gongzhi.accounts.models import User
from gongzhi.core import crypto
from gongzhi.core.backup import backup, restore
from gongzhi.people.models import Resident
from gongzhi.people.tests.factories import make_id
from gongzhi.territory.testing import build_world

PASSWORD = "Gongzhi-2026"


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the same engine: its settings dict and a raw query function."""
    base = connections["default"].settings_dict
    if connection.vendor == "sqlite":
        db = {**base, "NAME": str(tmp_path / "restored.sqlite3")}

        def query(sql, params=()):
            with sqlite3.connect(db["NAME"]) as c:
                return c.execute(sql.replace("%s", "?"), params).fetchall()

        yield db, query
        return
    name = f"gz_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    db = {**base, "NAME": name}

    def query(sql, params=()):
        import psycopg

        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=name) as c:
            return c.execute(sql, params).fetchall()

    yield db, query
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_with_working_logins(tmp_path, empty_database):
    from gongzhi.people import services

    db, query = empty_database
    world = build_world()
    idn = make_id("19660606")
    services.resident_create(actor=world.users["community_a"], household=world.hh_a1, name="还原测试", id_number=idn,
                             phone="13700001111")
    media = tmp_path / "media"
    (media / "tickets").mkdir(parents=True)
    (media / "tickets" / "photo.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    for folder in ("ledger-pending", "divisions-pending"):  # a checked ledger holds ID numbers in the clear
        (media / folder).mkdir()
        (media / folder / "token.xlsx").write_bytes(idn.encode())

    archive = backup(out_dir=tmp_path / "backups", media_root=media)
    assert archive.name.startswith("gongzhi-backup-") and archive.name.endswith(".tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        raw = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert "manifest.json" in names and "media/tickets/photo.jpg" in names
    assert not [n for n in names if "pending" in n] and idn.encode() not in raw
    if connection.vendor == "sqlite":  # pg_dump's custom format compresses: the SQLite file is readable as is
        assert idn.encode() not in raw and b"13700001111" not in raw

    media_restored = tmp_path / "media-restored"
    restore(archive=archive, db=db, media_root=media_restored)
    assert (media_restored / "tickets" / "photo.jpg").read_bytes() == b"\xff\xd8 not really a jpeg"
    assert query("SELECT COUNT(*) FROM accounts_user")[0][0] == User.objects.count()
    (hashed,) = query("SELECT password FROM accounts_user WHERE username = %s", ["community_a"])[0]
    assert check_password(PASSWORD, hashed)
    field = Resident._meta.get_field("id_number")
    rows = query("SELECT name, id_number, phone FROM people_resident WHERE id_number_index = %s", [field.index_of(idn)])
    assert len(rows) == 1 and rows[0][0] == "还原测试"
    assert crypto.open_sealed(rows[0][1], field.aad) == idn
    assert crypto.open_sealed(rows[0][2], "people.resident.phone") == "13700001111"
    assert query("SELECT COUNT(*) FROM people_resident")[0][0] == Resident.objects.count()


@pytest.mark.django_db
def test_restore_refuses_without_confirmation(tmp_path, monkeypatch):
    from django.core.management import CommandError

    archive = tmp_path / "x.tar.gz"
    archive.write_bytes(b"")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError):
        call_command("restore", str(archive))
