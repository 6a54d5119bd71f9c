import io
import os
import stat
import struct
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from gongzhi.core.archives import (
    TooManyMembers,
    open_zip,
    unpacked_size,
    unsafe_name,
    zip_directory,
    zip_entries,
)
from gongzhi.core.pending import PendingUploads, pending_folders


def _zip(**members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_entries_lists_without_inflating_and_refuses_what_is_not_a_zip():
    data = _zip(**{"a.csv": b"0" * 1_000_000})
    entries = zip_entries(data)
    assert [e.filename for e in entries] == ["a.csv"]
    assert unpacked_size(entries) == 1_000_000 and len(data) < 10_000
    assert zip_entries(b"Rar!\x1a\x07\x00" + b"x" * 100) is None
    assert zip_entries(b"") is None
    assert zip_entries(data[:50]) is None


def test_unsafe_names():
    for name in ("../x.csv", "dist/../../x.csv", "/etc/passwd", "\\windows\\x", "C:/x.csv", "..\\x.csv", "a\x00b"):
        assert unsafe_name(name), name
    for name in ("villages.csv", "dist/villages.csv", "package/dist/", "a..b.csv"):
        assert not unsafe_name(name), name


def test_a_pending_upload_is_taken_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    store = PendingUploads("test-pending", ".bin")
    token = store.save(b"data")
    assert store.take("../" + token) is None
    assert store.take(token) == b"data"
    assert store.take(token) is None
    assert not list((tmp_path / "test-pending").iterdir())


def _declaring(data: bytes, count: int, *, comment: bytes = b"") -> bytes:
    """`data` (a zip without comment) with its end record declaring `count` members (and a comment)."""
    end = data[-22:]
    assert end[:4] == b"PK\x05\x06"
    n = min(count, 0xFFFF)
    return data[:-22] + end[:8] + n.to_bytes(2, "little") * 2 + end[12:20] + len(comment).to_bytes(2, "little") + comment


def _zip64(data: bytes, count: int) -> bytes:
    """`data` with a ZIP64 end record and locator declaring `count` members, as zipfile writes them."""
    end = data[-22:]
    cd_size, cd_offset = int.from_bytes(end[12:16], "little"), int.from_bytes(end[16:20], "little")
    rec_offset = len(data) - 22
    rec = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset)
    loc = struct.pack("<4sLQL", b"PK\x06\x07", 0, rec_offset, 1)
    return data[:-22] + rec + loc + end[:8] + b"\xff\xff\xff\xff" + end[12:]


def test_too_many_members_are_refused_from_the_end_record_before_anything_is_listed(monkeypatch):
    data = _zip(**{"a.csv": b"x"})
    assert zip_directory(data) == (1, len(data) - 22 - data.index(b"PK\x01\x02"))
    listed = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda z: listed.append(1) or real(z))
    for hostile in (_declaring(data, 200_000), _declaring(data, 5000, comment=b"x" * 60_000),
                    _zip64(data, 200_000)):
        with pytest.raises(TooManyMembers):
            zip_entries(hostile, max_members=1000)
        with pytest.raises(TooManyMembers):
            open_zip(io.BytesIO(hostile), max_members=1000)
    assert listed == []
    assert [e.filename for e in zip_entries(data, max_members=1000)] == ["a.csv"]
    assert zip_entries(_declaring(data, 1, comment=b"hello"), max_members=1000)[0].filename == "a.csv"
    assert zip_entries(_zip64(data, 1), max_members=1000)[0].filename == "a.csv"  # zipfile reads it too


def test_an_end_record_that_understates_the_count_is_caught_by_the_directory_size():
    # 3000 members, the end record saying 1: zipfile reads the whole declared directory regardless.
    data = _declaring(_zip(**{f"{i}.csv": b"" for i in range(3000)}), 1)
    with pytest.raises(TooManyMembers):
        zip_entries(data, max_members=100)
    assert zip_directory(data)[0] == 1


def _age(path, days: float) -> None:
    t = time.time() - days * 24 * 3600
    os.utime(path, (t, t))


def test_pending_files_are_private_and_old_ones_swept_even_when_a_confirmation_crashed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    store = PendingUploads("test-pending", ".bin")
    token = store.save(b"data")
    path = tmp_path / "test-pending" / f"{token}.bin"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    crashed = path.with_name(f"{path.name}.0a1b2c3d.taken")  # what a confirmation that died leaves
    path.rename(crashed)
    _age(crashed, 2)
    store.save(b"next")
    assert not crashed.exists()


def test_the_sweep_ignores_a_file_confirmed_after_it_was_listed(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    store = PendingUploads("test-pending", ".bin")
    old = tmp_path / "test-pending" / f"{store.save(b'old')}.bin"
    _age(old, 2)
    real = Path.glob
    monkeypatch.setattr(Path, "glob", lambda self, pattern: [*real(self, pattern), self / "renamed-meanwhile.bin"])
    token = store.save(b"new")  # no FileNotFoundError (a 500 on the page)
    assert not old.exists() and store.take(token) == b"new"


def test_discard_forgets_a_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    store = PendingUploads("test-pending", ".bin")
    token = store.save(b"data")
    store.discard(token)
    store.discard("../x")
    assert store.take(token) is None


@pytest.mark.django_db
def test_the_periodic_job_sweeps_every_kind(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert {"ledger-pending", "divisions-pending"} <= set(pending_folders())
    files = []
    for folder, suffix in (("ledger-pending", ".xlsx"), ("divisions-pending", ".zip")):
        (tmp_path / folder).mkdir()
        for name, days in ((f"old{suffix}", 2), (f"new{suffix}", 0), (f"crashed{suffix}.0a1b2c3d.taken", 2)):
            (tmp_path / folder / name).write_bytes(b"x")
            _age(tmp_path / folder / name, days)
            files.append(tmp_path / folder / name)
    out = io.StringIO()
    call_command("run_sla", stdout=out)
    assert "old pending uploads removed 4" in out.getvalue()
    assert [f.name for f in files if f.exists()] == ["new.xlsx", "new.zip"]
