"""Re-seal every encrypted value under the current key (the first in GONGZHI_DATA_KEYS) and recompute
the blind indexes (after a change of GONGZHI_INDEX_KEY). Run after putting a new key first; when it
reports 0 values left under old keys, the old keys can be removed from the list."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core import crypto
from gongzhi.core.fields import BlindIndexField, EncryptedTextField

BATCH = 2000


class Command(BaseCommand):
    help = "用当前密钥重新加密全部个人信息字段，并重算盲索引（密钥轮换）"

    def handle(self, **options):
        current = crypto.current_key_id()
        total = 0
        for model in apps.get_models():
            sealed = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not sealed:
                continue
            indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
            names = [f.name for f in sealed] + [f.name for f in indexes]
            done = 0
            pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            for i in range(0, len(pks), BATCH):
                with transaction.atomic():
                    rows = list(model._base_manager.filter(pk__in=pks[i:i + BATCH]).only("pk", *names))
                    for obj in rows:
                        for f in indexes:
                            f.pre_save(obj, False)
                    # Values are open in memory; get_prep_value seals them again under the current key.
                    model._base_manager.bulk_update(rows, names)
                    done += len(rows)
            total += done
            self.stdout.write(f"{model._meta.label}: {done}")
        audit_record(actor=None, action=AuditLog.Action.UPDATE, target_type="core.data_key", target_id=current,
                     label="rotate_data_key", detail={"rows": total, "key": current})
        self.stdout.write(f"全部 {total} 行已用密钥 {current} 重新加密")
