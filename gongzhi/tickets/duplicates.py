"""Possible duplicates at intake: same place or compound, recent, similar Chinese text (jieba)."""

import datetime
import re
import threading

from django.conf import settings
from django.utils import timezone

from gongzhi.core.paths import ancestors_of
from gongzhi.territory.models import Level, Node

from .models import Status, Ticket
from .selectors import visible_tickets

_lock = threading.Lock()
_ready = False
_STOP = set("的了在是我和有也就都而及与着或一个没有我们你们他们这个那个请问已经还是因为所以但是如果非常小区楼栋单元社区问题反映情况")
_WORD = re.compile(r"[\w\u4e00-\u9fff]")


def _jieba():
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(60)
                cache_dir = settings.JIEBA_CACHE_DIR
                cache_dir.mkdir(parents=True, exist_ok=True)
                jieba.dt.tmp_dir = str(cache_dir)
                jieba.initialize()
                _ready = True
    return jieba


def tokens(text: str) -> set[str]:
    words = _jieba().lcut(text or "")
    return {w.lower() for w in words if _WORD.match(w) and w not in _STOP and (len(w) > 1 or w.isdigit())}


def similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def area_path(node_path: str) -> str:
    """The compound containing the place if there is one, else the place itself."""
    compound = (Node.objects.filter(path__in=ancestors_of(node_path), level=Level.COMPOUND)
                .values_list("path", flat=True).first())
    return compound or node_path


def suggest_duplicates(*, user, node_path: str, text: str, exclude_pk: int | None = None, days: int = 30,
                       threshold: float = 0.25, limit: int = 5, now=None) -> list[tuple[Ticket, float]]:
    """Only tickets `user` may see are suggested: the compound is wider than a building or unit
    head's area, and a hint must not show what its ticket page would hide."""
    if not node_path or not (text or "").strip():
        return []
    now = now or timezone.now()
    qs = (visible_tickets(user).filter(node_path__under=area_path(node_path), created_at__gte=now - datetime.timedelta(days=days))
          .exclude(status__in=[Status.MERGED, Status.REJECTED]).select_related("category")
          .order_by("-created_at")[:300])
    mine = tokens(text)
    scored = []
    for t in qs:
        if t.pk == exclude_pk:
            continue
        score = similarity(mine, tokens(f"{t.title} {t.description}"))
        if t.node_path == node_path:
            score += 0.1  # the very same place weighs in
        if score >= threshold:
            scored.append((t, round(min(score, 1.0), 2)))
    scored.sort(key=lambda x: -x[1])
    return scored[:limit]
