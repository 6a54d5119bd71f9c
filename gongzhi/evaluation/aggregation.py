"""How a period's scores become results (docs/evaluation.md, "Aggregation").

One computation, in exact fractions, used by the close (the ranking) and by the explanation alike:

1. per subject and party: the mean over that party's counted sheets (the current sheets of the seats on the
   period's jury);
2. the mean of those party means (a party with three jurors weighs as much as a party with one);
3. total = base points + score items + bonuses − deductions, exactly;
4. a veto marked on any counted sheet takes the subject out of the ranking (its total is still shown).

Nothing is rounded before the end: the ranking, every tie-break, the star thresholds and the year's totals
compare exact values; `display()` rounds once (to 0.01, half up) for what is shown and stored for display.

Every counted sheet holds a value for every scored item of the period's version (the service fills blanks
with 0) and stores its sums by kind, so the mean of the sheets' sums equals the sum of the per-item means:
the close reads one row per sheet (not one per item score), and the explanation, which goes item by item,
gets its totals from the very same `figures()` on the very same sheets.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import BigIntegerField, Count, F, Min, Sum
from django.db.models.functions import Cast, Round

from .models import (
    ItemKind,
    Period,
    PeriodJuror,
    RuleItem,
    Score,
    ScoreSheet,
    SetKind,
    Subject,
    SubjectResult,
)

CENT = Decimal("0.01")


def display(x: Fraction) -> Decimal:
    """The one rounding: exact value → 2 places, half up."""
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(CENT, rounding=ROUND_HALF_UP) \
        if x.denominator != 1 else Decimal(x.numerator).quantize(CENT)


def exact(text: str, fallback: Decimal) -> Fraction:
    """A stored exact total ("p/q"), or the rounded column for rows written before exact totals were kept."""
    return Fraction(text) if text else Fraction(fallback)


@dataclass(frozen=True)
class SheetSums:
    """One counted sheet's sums by kind, in hundredths (the stored decimals have two places, so this is exact)."""

    party: str
    score: int
    bonus: int
    deduction: int
    veto_item_id: int | None


@dataclass(frozen=True)
class Figures:
    parties: int
    score_total: Fraction
    bonus: Fraction
    deduction: Fraction
    total: Fraction
    veto_item_id: int | None

    @property
    def rankable(self) -> bool:
        return self.parties > 0 and self.veto_item_id is None


def cents(d: Decimal) -> int:
    return int(d * 100)


def mean_of_party_means(values: Iterable[tuple[str, Fraction]]) -> Fraction:
    """Each party's mean, then the mean of the parties' means. 0 when nobody scored. (Item by item, for the
    explanation; `figures` does the same on the sheets' sums with integers.)"""
    by_party: dict[str, list[Fraction]] = {}
    for party, v in values:
        by_party.setdefault(party, []).append(v)
    if not by_party:
        return Fraction(0)
    return sum((sum(vs) / len(vs) for vs in by_party.values()), Fraction(0)) / len(by_party)


def _figures(base_cents: int, parties: dict[str, list[int]], veto_item_id: int | None) -> Figures:
    """The arithmetic, exactly. `parties` maps each party to [sheets, Σscore, Σbonus, Σdeduction] in hundredths.

    Each party's mean is Σ/n; the mean over P parties is Σ_p(Σ_p/n_p)/P. Over the common denominator
    D = P × lcm(n_p) × 100 every figure is an integer numerator, so the total is one exact fraction."""
    if not parties:
        zero = Fraction(0)
        return Figures(0, zero, zero, zero, Fraction(base_cents, 100), veto_item_id)
    lcm = math.lcm(*(acc[0] for acc in parties.values()))
    den = len(parties) * lcm * 100
    num = [0, 0, 0]
    for n, score, bonus, deduction in parties.values():
        k = lcm // n
        num[0] += score * k
        num[1] += bonus * k
        num[2] += deduction * k
    base = base_cents * len(parties) * lcm
    return Figures(parties=len(parties), score_total=Fraction(num[0], den), bonus=Fraction(num[1], den),
                   deduction=Fraction(num[2], den), total=Fraction(base + num[0] + num[1] - num[2], den),
                   veto_item_id=veto_item_id)


def _accumulate(parties: dict[str, list[int]], party: str, score: int, bonus: int, deduction: int) -> None:
    acc = parties.get(party)
    if acc is None:
        parties[party] = [1, score, bonus, deduction]
    else:
        acc[0] += 1
        acc[1] += score
        acc[2] += bonus
        acc[3] += deduction


def figures(base_points: Decimal, sheets: list[SheetSums]) -> Figures:
    """A subject's figures from its counted sheets: the arithmetic of docs/evaluation.md, exactly."""
    parties: dict[str, list[int]] = {}
    for s in sheets:
        _accumulate(parties, s.party, s.score, s.bonus, s.deduction)
    vetoes = [s.veto_item_id for s in sheets if s.veto_item_id is not None]
    return _figures(cents(base_points), parties, min(vetoes) if vetoes else None)


def rank_key(f: Figures, sort_key: str, common: int = 1) -> tuple:
    """Total (higher first), deductions (fewer first), bonuses (more first), then the subject's fixed place in
    the natural order of places. Exact values throughout: with `common`, a multiple of every denominator,
    each fraction becomes the integer x × common (the same order, compared much faster than fractions)."""
    def n(x: Fraction) -> int:
        return x.numerator * (common // x.denominator) if common % x.denominator == 0 else x * common

    return (-n(f.total), n(f.deduction), -n(f.bonus), sort_key)


def common_denominator(figs: Iterable[Figures]) -> int:
    return math.lcm(1, *{x.denominator for f in figs for x in (f.total, f.deduction, f.bonus)})


def stars(f: Figures, thresholds: list[Decimal]) -> int:
    return sum(1 for t in thresholds if f.total >= Fraction(t))


def counted_sheets(period: Period):
    """The sheets that count: current, written from a seat still on the period's jury."""
    return ScoreSheet.objects.filter(period=period, is_current=True, juror__active=True)


def compute(period: Period) -> list[tuple[Subject, Figures, int | None, int | None]]:
    """Every subject of the period with its figures, rank (None when not ranked) and stars, best first.
    One query for the sheets' integer sums per subject and party, then `_figures` per subject."""
    subjects = list(period.subjects.order_by("sort_key", "pk"))
    acc: dict[int, dict[str, list[int]]] = {}
    veto: dict[int, int] = {}
    # Per subject and party: the number of counted sheets and the sums of their stored sums (two decimal
    # places) as whole hundredths. Integers: exact on both databases (ROUND makes SQLite's REAL storage exact),
    # and a third as many rows as sheets. Everything after the sums — means, total, ranking — is `_figures`.
    def hundredths(field: str):
        return Sum(Cast(Round(F(field) * 100), BigIntegerField()))

    rows = (
        counted_sheets(period).order_by().values("subject_id", "party")
        .annotate(n=Count("pk"), s=hundredths("score_sum"), b=hundredths("bonus_sum"),
                  d=hundredths("deduction_sum"), v=Min("veto_item_id"))
        .values_list("subject_id", "party", "n", "s", "b", "d", "v")
    )
    for subject_id, party, n, sc, b, d, v in rows.iterator(chunk_size=5000):
        acc.setdefault(subject_id, {})[party] = [n, sc, b, d]
        if v is not None and (subject_id not in veto or v < veto[subject_id]):
            veto[subject_id] = v
    base = cents(period.version.base_points)
    scored = [(s, _figures(base, acc.get(s.pk, {}), veto.get(s.pk))) for s in subjects]
    rankable = [x for x in scored if x[1].rankable]
    common = common_denominator(f for _s, f in rankable)
    ranked = sorted(rankable, key=lambda x: rank_key(x[1], x[0].sort_key, common))
    rank_of = {s.pk: n for n, (s, _f) in enumerate(ranked, start=1)}
    thresholds = period.version.thresholds if period.rule_set.kind == SetKind.STAR else []
    out = []
    for s, f in ranked + [x for x in scored if not x[1].rankable]:
        r = rank_of.get(s.pk)
        out.append((s, f, r, (stars(f, thresholds) if r else None) if thresholds else None))
    return out


def close_results(period: Period, round_no: int) -> int:
    """Write the results of `round_no` for every subject of the period, ranked. Returns the row count."""
    top_n = period.version.top_n
    rows = [
        SubjectResult(period=period, subject=s, round=round_no, base_points=period.version.base_points,
                      score_total=display(f.score_total), bonus=display(f.bonus), deduction=display(f.deduction),
                      total=display(f.total), exact_total=str(f.total), parties=f.parties,
                      vetoed=f.veto_item_id is not None, veto_item_id=f.veto_item_id, rank=r,
                      honoured=r is not None and r <= top_n, stars=st)
        for s, f, r, st in compute(period)
    ]
    SubjectResult.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- explanation: the same figures, item by item and juror by juror ----------------------------------------

@dataclass
class JurorEntry:
    juror_id: int
    juror_name: str
    party: str
    party_label: str
    value: Decimal
    count: int | None
    note: str


@dataclass
class ItemLine:
    item: RuleItem
    entries: list[JurorEntry] = field(default_factory=list)
    party_means: dict[str, Decimal] = field(default_factory=dict)
    mean: Decimal = Decimal("0")
    vetoed: bool = False


@dataclass
class Explanation:
    subject: Subject
    version_number: int
    base_points: Decimal
    lines: list[ItemLine]
    parties: list[str]
    score_total: Decimal
    bonus: Decimal
    deduction: Decimal
    total: Decimal
    exact_total: Fraction
    veto_lines: list[ItemLine]
    sheets: list[ScoreSheet]
    jury: list[PeriodJuror]
    scored_by: set[int]


def explain(subject: Subject) -> Explanation:
    period = subject.period
    version = period.version
    items = [i for i in version.items.all() if i.is_scored]
    sheets = list(counted_sheets(period).filter(subject=subject).select_related("juror__user")
                  .order_by("party", "juror_id"))
    scores = {(s.sheet_id, s.item_id): s for s in Score.objects.filter(sheet__in=sheets)}
    lines = []
    for item in items:
        line = ItemLine(item=item)
        values = []
        for sheet in sheets:
            s = scores.get((sheet.pk, item.pk))
            value = s.value if s else Decimal("0")
            line.entries.append(JurorEntry(sheet.juror_id, sheet.juror.user.display_name, sheet.party,
                                           sheet.get_party_display(), value, s.count if s else None,
                                           s.note if s else ""))
            values.append((sheet.party, Fraction(value)))
        for party in sorted({p for p, _v in values}):
            line.party_means[party] = display(mean_of_party_means((p, v) for p, v in values if p == party))
        line.mean = display(mean_of_party_means(values))
        line.vetoed = item.kind == ItemKind.VETO and any(e.value > 0 for e in line.entries)
        lines.append(line)
    f = figures(version.base_points, [SheetSums(s.party, cents(s.score_sum), cents(s.bonus_sum),
                                                cents(s.deduction_sum), s.veto_item_id) for s in sheets])
    jury = list(period.jury.filter(active=True).select_related("user").order_by("party", "id"))
    return Explanation(
        subject=subject, version_number=version.number, base_points=version.base_points, lines=lines,
        parties=sorted({s.party for s in sheets}), score_total=display(f.score_total), bonus=display(f.bonus),
        deduction=display(f.deduction), total=display(f.total), exact_total=f.total,
        veto_lines=[ln for ln in lines if ln.vetoed], sheets=sheets, jury=jury,
        scored_by={s.juror_id for s in sheets},
    )
