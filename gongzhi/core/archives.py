"""Looking inside an uploaded zip archive without trusting it.

A small archive can declare members that inflate to gigabytes (a zip bomb), and member names like
`../../etc/x` or `/etc/x` aim outside the folder they are unpacked into (zip slip). Callers list the
members first (nothing is inflated), add up the declared sizes of the members they will read, refuse
unsafe names, and only then read: Python's zipfile never inflates a member past its declared size."""

import io
import re
import zipfile
from pathlib import PurePosixPath
from typing import BinaryIO

_DRIVE = re.compile(r"^[A-Za-z]:")


def zip_entries(data: bytes | BinaryIO) -> list[zipfile.ZipInfo] | None:
    """The archive's members as it declares them, or None when `data` is not a readable zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes | bytearray) else data) as z:
            return z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None


def unpacked_size(entries: list[zipfile.ZipInfo]) -> int:
    """The bytes the members would inflate to, as declared (reading stops there)."""
    return sum(i.file_size for i in entries)


def unsafe_name(name: str) -> bool:
    """True for a member name that is absolute or climbs out of its folder once unpacked."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts
            or "\x00" in name)
