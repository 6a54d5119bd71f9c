"""Export audit rows older than AUDIT_KEEP_DAYS (at least 180) to a gzipped JSON Lines file, verify
it, then remove exactly those rows. Younger rows are never touched (AuditLog refuses to delete them)."""

import datetime
import gzip
import hashlib
from pathlib import Path

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.accounts.models import AuditLog, audit_cutoff
from gongzhi.accounts.services import audit_record

FIELDS = ["id", "at", "actor_id", "action", "target_type", "target_id", "target_label", "detail", "ip"]


class Command(BaseCommand):
    help = "把超过保存期限（AUDIT_KEEP_DAYS，至少180天）的审计日志导出为归档文件后再从数据库移除"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="归档目录（默认 BACKUP_DIR/audit）")

    def handle(self, output, **options):
        cutoff = audit_cutoff()
        out_dir = output or (settings.BACKUP_DIR / "audit")
        out_dir.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            old = AuditLog.objects.select_for_update().filter(at__lt=cutoff).order_by("id")
            ids = list(old.values_list("id", flat=True))
            if not ids:
                self.stdout.write("没有超过保存期限的审计日志")
                return
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = out_dir / f"audit-before-{cutoff:%Y%m%d}-{stamp}.jsonl.gz"
            digest = hashlib.sha256()
            with gzip.open(path, "wb") as f:
                for row in old.values(*FIELDS).iterator(chunk_size=5000):
                    line = orjson.dumps(row) + b"\n"
                    digest.update(line)
                    f.write(line)
            # Read the file back before anything is removed.
            with gzip.open(path, "rb") as f:
                check = hashlib.sha256()
                n = 0
                for line in f:
                    check.update(line)
                    n += 1
            if n != len(ids) or check.hexdigest() != digest.hexdigest():
                raise RuntimeError("archive_audit: the archive does not read back; nothing removed")
            Path(f"{path}.sha256").write_text(f"{digest.hexdigest()}  {path.name}\n")
            AuditLog.objects.filter(id__in=ids).delete()
            audit_record(actor=None, action=AuditLog.Action.ARCHIVE, target_type="accounts.auditlog",
                         label=path.name, detail={"rows": n, "before": cutoff.isoformat(), "sha256": digest.hexdigest()})
        self.stdout.write(f"已归档 {n} 条审计日志到 {path}")
