import gzip
from datetime import timedelta

import orjson
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from gongzhi.accounts.models import AuditLog

pytestmark = pytest.mark.django_db


def _row(days: int) -> AuditLog:
    return AuditLog.objects.create(action="view", target_type="people.resident", target_id="1",
                                   at=timezone.now() - timedelta(days=days))


def test_rows_younger_than_180_days_are_never_deleted(settings):
    settings.AUDIT_KEEP_DAYS = 30  # a lower setting does not shorten the legal minimum
    young = _row(100)
    with pytest.raises(PermissionDenied):
        young.delete()
    with pytest.raises(PermissionDenied):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.filter(pk=young.pk).exists()


def test_archive_exports_old_rows_before_removing_them(tmp_path):
    old, older, young = _row(181), _row(400), _row(179)
    call_command("archive_audit", output=tmp_path)
    files = list(tmp_path.glob("audit-before-*.jsonl.gz"))
    assert len(files) == 1 and (tmp_path / f"{files[0].name}.sha256").exists()
    with gzip.open(files[0], "rb") as f:
        rows = [orjson.loads(line) for line in f]
    assert sorted(r["id"] for r in rows) == sorted([old.pk, older.pk])
    assert not AuditLog.objects.filter(pk__in=[old.pk, older.pk]).exists()
    assert AuditLog.objects.filter(pk=young.pk).exists()
    assert AuditLog.objects.filter(action="archive", detail__rows=2).exists()
