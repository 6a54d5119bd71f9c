import io
import zipfile

from gongzhi.core.archives import unpacked_size, unsafe_name, zip_entries
from gongzhi.core.pending import PendingUploads


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
