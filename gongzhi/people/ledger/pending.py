"""A checked ledger waiting for the staff member's confirmation (上传并校验 → 确认导入): kept by
gongzhi.core.pending under MEDIA_ROOT/ledger-pending."""

from gongzhi.core.pending import PendingUploads

_store = PendingUploads("ledger-pending", ".xlsx")
pending_save = _store.save
pending_take = _store.take
pending_discard = _store.discard
