"""Every read of the points accounts and the exchange that a user can reach, scoped."""

import datetime

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404

from gongzhi.territory.scoping import scope_for

from .models import Account, Entry, EntryKind, Item, Order, RuleVersion, YearCredit

HISTORY = 20


def my_account(user) -> Account | None:
    """The signed-in resident's account (opened on first look), or None for a user who is no resident."""
    from .services import account_for

    resident = getattr(user, "resident", None) if user.is_authenticated else None
    if resident is None or resident.moved_out_on is not None:
        return None
    return account_for(resident)


def account_summary(account_id: int, limit: int = HISTORY) -> tuple[Account, list[Entry]]:
    """Balance and the latest entries: two indexed queries whatever the ledger's size."""
    account = Account.objects.select_related("resident").get(pk=account_id)
    entries = list(Entry.objects.filter(account_id=account_id).order_by("-created_at", "-id")[:limit])
    return account, entries


def account_entries(account: Account) -> QuerySet[Entry]:
    return Entry.objects.filter(account=account).order_by("-created_at", "-id")


def visible_accounts(user) -> QuerySet[Account]:
    """Accounts of the communities the user works for (staff/area roles); residents see only their own."""
    scope = scope_for(user, responsibility_only=True)
    return Account.objects.filter(scope.nodes_q("community__")).select_related("resident__household", "community")


def get_account(user, pk: int) -> Account:
    acc = visible_accounts(user).filter(pk=pk).first() or Account.objects.filter(pk=pk, resident__user=user).first()
    if acc is None:
        raise Http404
    return acc


def household_points(household) -> int:
    """A household's members' sum (current members)."""
    return (Account.objects.filter(resident__household=household, resident__moved_out_on__isnull=True)
            .aggregate(s=Sum("balance"))["s"] or 0)


def staff_communities(user):
    from gongzhi.territory.models import Level, Node

    scope = scope_for(user, responsibility_only=True)
    if not (scope.everything or scope.staff):
        return Node.objects.none()
    return Node.objects.filter(scope.nodes_q(), level=Level.COMMUNITY).order_by("path") if not scope.everything \
        else Node.objects.filter(level=Level.COMMUNITY).order_by("path")


def items_for_account(account: Account) -> QuerySet[Item]:
    return Item.objects.filter(community=account.community, active=True).select_related("organisation")


def community_items(community) -> QuerySet[Item]:
    return Item.objects.filter(community=community).select_related("organisation").order_by("-active", "price", "id")


def my_orders(account: Account) -> QuerySet[Order]:
    return Order.objects.filter(account=account).select_related("item").order_by("-created_at", "-id")


def community_orders(community, status: str | None = None) -> QuerySet[Order]:
    qs = Order.objects.filter(item__community=community).select_related("item", "account__resident")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def rule_versions(community) -> QuerySet[RuleVersion]:
    return RuleVersion.objects.filter(community=community).prefetch_related("rules").order_by("-effective_from")


def stars(community_path: str, start: datetime.datetime, end: datetime.datetime, limit: int = 10) -> list[dict]:
    """积分之星: the accounts that earned most in [start, end) under a place, residents who agreed to be
    shown only, name only (no ID number, no phone)."""
    rows = (Entry.objects.filter(kind=EntryKind.EARN, created_at__gte=start, created_at__lt=end,
                                 account__public_consent=True, account__community__path__startswith=community_path)
            .values("account_id", "account__resident__name").annotate(earned=Sum("amount"))
            .order_by("-earned", "account_id")[:limit])
    return [{"name": r["account__resident__name"], "earned": r["earned"]} for r in rows]


def ledger_rows(community, start: datetime.datetime, end: datetime.datetime) -> QuerySet[Entry]:
    return (Entry.objects.filter(account__community=community, created_at__gte=start, created_at__lt=end)
            .select_related("account__resident", "actor").order_by("created_at", "id"))


def balance_differences(limit: int = 1000) -> list[tuple[int, int, int]]:
    """(account id, stored balance, sum of entries) for each account where they differ."""
    out = []
    qs = Account.objects.annotate(total=Sum("entries__amount")).filter(~Q(balance=0) | Q(total__isnull=False))
    for a in qs.only("pk", "balance").iterator(chunk_size=5000):
        if a.balance != (a.total or 0):
            out.append((a.pk, a.balance, a.total or 0))
            if len(out) >= limit:
                break
    return out


def year_credit_differences(limit: int = 1000) -> list[tuple[int, int, int, int]]:
    """(account id, year, kept credit total, sum of that year's positive entries) wherever the kept
    per-year totals the expiry reads (`YearCredit`) differ from the ledger."""
    ledger = {(r["account_id"], r["y"]): r["total"] for r in Entry.objects.filter(amount__gt=0)
              .annotate(y=ExtractYear("created_at")).values("account_id", "y").annotate(total=Sum("amount"))
              .order_by().iterator(chunk_size=5000)}
    out = []
    for account_id, year, kept in YearCredit.objects.values_list("account_id", "year", "credited").iterator(chunk_size=5000):
        total = ledger.pop((account_id, year), 0)
        if kept != total:
            out.append((account_id, year, kept, total))
    out.extend((a, y, 0, total) for (a, y), total in ledger.items())
    return sorted(out)[:limit]
