"""Backup and restore of the whole installation: the database (SQLite's online backup API, or
pg_dump/pg_restore for PostgreSQL) and the uploaded media, in one dated archive.

The archive holds personal data only as sealed values (core/crypto.py): keep GONGZHI_DATA_KEYS and
GONGZHI_INDEX_KEY (and SECRET_KEY) apart from the backups, or a restored copy cannot be read."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections

from gongzhi.core.pending import pending_folders

FORMAT = 1


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def backup(*, out_dir: Path, alias: str = "default", media_root: Path | None = None, now=None) -> Path:
    """Write gongzhi-backup-YYYYmmdd-HHMMSS.tar.gz into out_dir and return its path."""
    conn = connections[alias]
    db = conn.settings_dict
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"gongzhi-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if conn.vendor == "sqlite":
            db_file = tmp / "db.sqlite3"
            conn.ensure_connection()
            dest = sqlite3.connect(db_file)
            try:
                conn.connection.backup(dest)  # consistent copy while the site keeps running
            finally:
                dest.close()
        elif conn.vendor == "postgresql":
            db_file = tmp / "db.dump"
            subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(db_file), *_pg_args(db), db["NAME"]],
                           check=True, env=_pg_env(db), capture_output=True)
        else:
            raise RuntimeError(f"backup: unsupported database {conn.vendor}")
        manifest = {"format": FORMAT, "vendor": conn.vendor, "created": stamp, "database": db_file.name,
                    "media": media_root.is_dir()}
        (tmp / "manifest.json").write_text(json.dumps(manifest))
        os.umask(0o077)
        with tarfile.open(target, "w:gz") as tar:
            tar.add(tmp / "manifest.json", "manifest.json")
            tar.add(db_file, db_file.name)
            if media_root.is_dir():
                # Uploads waiting for a confirmation are a day's transient files at most, and the
                # ledger's hold ID numbers in the clear (the database keeps them encrypted): left out.
                skip = {f"media/{folder}" for folder in pending_folders()}
                tar.add(media_root, "media", filter=lambda info: None if info.name in skip else info)
    target.chmod(0o600)
    return target


def restore(*, archive: Path, db: dict | None = None, media_root: Path | None = None) -> dict:
    """Replace the database (settings dict `db`, default the configured one) and the media folder with
    the archive's contents."""
    conn = connections["default"]
    db = db or conn.settings_dict
    vendor = "sqlite" if db["ENGINE"].endswith("sqlite3") else "postgresql"
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # no absolute paths, links out or devices
        manifest = json.loads((tmp / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise RuntimeError("restore: unknown archive format")
        if manifest["vendor"] != vendor:
            raise RuntimeError(f"restore: the archive is {manifest['vendor']}, the database {vendor}")
        conn.close()
        if vendor == "sqlite":
            src, dest = sqlite3.connect(tmp / manifest["database"]), sqlite3.connect(db["NAME"])
            try:
                src.backup(dest)
            finally:
                src.close()
                dest.close()
        else:
            subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                            "-d", db["NAME"], *_pg_args(db), str(tmp / manifest["database"])],
                           check=True, env=_pg_env(db), capture_output=True)
        if manifest.get("media") and (tmp / "media").is_dir():
            if media_root.exists():
                shutil.rmtree(media_root)
            shutil.copytree(tmp / "media", media_root)
    return manifest
