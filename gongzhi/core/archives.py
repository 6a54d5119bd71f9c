"""Looking inside an uploaded zip archive without trusting it.

A small archive can declare members that inflate to gigabytes (a zip bomb), and member names like
`../../etc/x` or `/etc/x` aim outside the folder they are unpacked into (zip slip). Callers list the
members first (nothing is inflated), add up the declared sizes of the members they will read, refuse
unsafe names, and only then read: Python's zipfile never inflates a member past its declared size.

Listing is not free either: zipfile builds an object per member of the central directory (200,000 empty
members in a 17 MB zip: 1.1 s and 110 MB). `max_members` first reads the end-of-central-directory record
(the archive's last 22 bytes, or up to 64 KB more with a comment; the ZIP64 record where there is one),
found as zipfile finds it, and refuses an archive declaring too many members, or a central directory
too large for that many, before zipfile lists anything (zipfile reads exactly the declared directory
size, whatever count the record gives)."""

import io
import re
import struct
import zipfile
from pathlib import PurePosixPath
from typing import BinaryIO

_DRIVE = re.compile(r"^[A-Za-z]:")


# Bytes of one member's central directory entry that a sane archive stays under: 46 fixed, then the
# name, extra fields and comment (a long path and the usual timestamps are a few hundred).
CENTRAL_ENTRY_MAX_BYTES = 1024
_EOCD = struct.Struct("<4s4H2LH")  # the end-of-central-directory record, 22 bytes
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes, just before it
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")  # 56 bytes, just before the locator
_MAX_COMMENT = 0xFFFF
_TAIL = _EOCD.size + _MAX_COMMENT + _ZIP64_LOCATOR.size + _ZIP64_EOCD.size + 256


class TooManyMembers(ValueError):
    """The archive declares more members than allowed (`declared`: the count its directory gives)."""

    def __init__(self, declared: int):
        super().__init__(f"{declared} members")
        self.declared = declared


def _tail(data: bytes | BinaryIO) -> tuple[bytes, int]:
    """The archive's last bytes where the end record can be, and the total size."""
    if isinstance(data, bytes | bytearray):
        return bytes(data[-_TAIL:]), len(data)
    here = data.tell()
    try:
        size = data.seek(0, io.SEEK_END)
        data.seek(max(0, size - _TAIL))
        return data.read(), size
    finally:
        data.seek(here)


def zip_directory(data: bytes | BinaryIO) -> tuple[int, int] | None:
    """(members declared, central directory bytes) from the end record, found as zipfile finds it (the
    last 22 bytes, else the last signature in the comment area), or None where zipfile finds none."""
    tail, _size = _tail(data)
    end = len(tail)
    if end >= _EOCD.size and tail[end - _EOCD.size:end - _EOCD.size + 4] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        at = end - _EOCD.size
    else:
        at = tail.rfind(b"PK\x05\x06", max(0, end - (1 << 16) - _EOCD.size))
        if at < 0 or at + _EOCD.size > end:
            return None
    _sig, _disk, _disk_dir, _here, count, cd_size, _offset, _comment = _EOCD.unpack_from(tail, at)
    at64 = at - _ZIP64_LOCATOR.size
    if at64 >= 0 and tail[at64:at64 + 4] == b"PK\x06\x07":
        rec = at64 - _ZIP64_EOCD.size
        if rec >= 0 and tail[rec:rec + 4] == b"PK\x06\x06":  # zipfile then takes the ZIP64 figures
            *_head, count, cd_size, _offset = _ZIP64_EOCD.unpack_from(tail, rec)
    return count, cd_size


def check_member_count(data: bytes | BinaryIO, max_members: int) -> None:
    """Raise TooManyMembers when the archive declares more than `max_members` members, or a central
    directory bigger than that many entries take. Nothing is listed. An unreadable end record passes
    (zipfile will refuse the archive)."""
    found = zip_directory(data)
    if found is None:
        return
    count, cd_size = found
    if count > max_members or cd_size > max_members * CENTRAL_ENTRY_MAX_BYTES:
        raise TooManyMembers(count)


_BAD_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError)


def open_zip(data: bytes | BinaryIO, *, max_members: int) -> zipfile.ZipFile | None:
    """The archive opened (its member list read once, after check_member_count), or None when it is
    not a readable zip archive. Raises TooManyMembers."""
    check_member_count(data, max_members)
    try:
        z = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes | bytearray) else data)
    except _BAD_ZIP:
        return None
    if len(z.infolist()) > max_members:  # a count in the end record smaller than the directory
        z.close()
        raise TooManyMembers(len(z.infolist()))
    return z


def zip_entries(data: bytes | BinaryIO, max_members: int | None = None) -> list[zipfile.ZipInfo] | None:
    """The archive's members as it declares them, or None when `data` is not a readable zip archive.
    With `max_members`, raises TooManyMembers before listing an archive declaring more."""
    if max_members is not None:
        z = open_zip(data, max_members=max_members)
        if z is None:
            return None
        with z:
            return z.infolist()
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes | bytearray) else data) as z:
            return z.infolist()
    except _BAD_ZIP:
        return None


def unpacked_size(entries: list[zipfile.ZipInfo]) -> int:
    """The bytes the members would inflate to, as declared (reading stops there)."""
    return sum(i.file_size for i in entries)


def unsafe_name(name: str) -> bool:
    """True for a member name that is absolute or climbs out of its folder once unpacked."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts
            or "\x00" in name)
