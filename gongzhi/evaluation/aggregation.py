"""How a period's scores become results (docs/evaluation.md, "Aggregation").

Per subject and item: each party's mean over its jurors, then the mean over the parties that scored the
subject (so a party with many jurors weighs as much as a party with one). Summed by kind: score items,
bonuses, deductions; total = base points + score items + bonuses − deductions. A veto item marked by any
juror takes the subject out of the ranking (its total is still shown); it is applied last.

Every current sheet holds a value for every scored item of the period's version (the service fills blanks
with 0), so the per-party mean of the item sums equals the sum of the per-item means. Each sheet stores its
sums by kind, written with its scores in the same transaction (sheets never change afterwards). Closing is
therefore one INSERT … SELECT: GROUP BY (subject, party) over the period's current sheets, GROUP BY subject,
rank with a window function — a bounded number of queries whatever the number of units, jurors and items.
`explain()` recomputes a subject from its item scores, and the tests check it agrees.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection

from .models import ItemKind, Period, RuleItem, Score, ScoreSheet, SetKind, Subject, SubjectResult

# Ranking keys after the total, in order. The last one is the subject's place in the tree (or its name),
# which is arbitrary but fixed: the same data always gives the same ranking.
TIE_BREAK = ("total DESC", "deduction ASC", "bonus DESC", "sort_key ASC")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _stars_sql(period: Period) -> tuple[str, list]:
    thresholds = period.version.thresholds if period.rule_set.kind == SetKind.STAR else []
    if not thresholds:
        return "NULL", []
    parts, params = [], []
    for n in range(len(thresholds), 0, -1):
        parts.append("WHEN total >= %s THEN " + str(n))
        params.append(_param(thresholds[n - 1]))
    return "CASE WHEN rankable = 0 THEN NULL " + " ".join(parts) + " ELSE 0 END", params


def _param(d: Decimal):
    # SQLite has no decimal type; a float keeps arithmetic numeric there. PostgreSQL keeps numeric. Every
    # sum that is compared or ranked is ROUNDed to 2 places in SQL: on SQLite 86.38 + 0.07 - 0.45 is
    # 85.99999999999999 as a REAL, which would miss a threshold of 86 and lose a tie it should win.
    # ROUND(x, 2) yields the double nearest the 2-place decimal, so equal decimals compare equal.
    return d if connection.vendor == "postgresql" else float(d)


def close_results(period: Period, round_no: int) -> int:
    """Insert the results of `round_no` for every subject of the period, ranked. Returns the row count."""
    sh, su, res = (_table(m) for m in (ScoreSheet, Subject, SubjectResult))
    stars_sql, star_params = _stars_sql(period)
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    sql = f"""
    WITH party_sum AS (
        SELECT subject_id, party, COUNT(*) AS n, SUM(score_sum) AS s_score, SUM(bonus_sum) AS s_bonus,
               SUM(deduction_sum) AS s_ded, MIN(veto_item_id) AS veto_item_id
        FROM {sh}
        WHERE period_id = %s AND is_current = {true}
        GROUP BY subject_id, party
    ), per_subject AS (
        SELECT ps.subject_id,
               ROUND(AVG(ps.s_score * 1.0 / ps.n), 2) AS score_total,
               ROUND(AVG(ps.s_bonus * 1.0 / ps.n), 2) AS bonus,
               ROUND(AVG(ps.s_ded * 1.0 / ps.n), 2) AS deduction,
               MIN(ps.veto_item_id) AS veto_item_id,
               COUNT(*) AS parties
        FROM party_sum ps
        GROUP BY ps.subject_id
    ), totals AS (
        SELECT su.id AS subject_id, su.sort_key AS sort_key,
               COALESCE(p.score_total, 0) AS score_total, COALESCE(p.bonus, 0) AS bonus,
               COALESCE(p.deduction, 0) AS deduction, p.veto_item_id AS veto_item_id,
               COALESCE(p.parties, 0) AS parties,
               ROUND(%s + COALESCE(p.score_total, 0) + COALESCE(p.bonus, 0) - COALESCE(p.deduction, 0), 2) AS total,
               CASE WHEN p.parties > 0 AND p.veto_item_id IS NULL THEN 1 ELSE 0 END AS rankable
        FROM {su} su LEFT JOIN per_subject p ON p.subject_id = su.id
        WHERE su.period_id = %s
    ), ranked AS (
        SELECT t.*, CASE WHEN rankable = 1 THEN
                   ROW_NUMBER() OVER (PARTITION BY rankable ORDER BY {", ".join(TIE_BREAK)}) END AS rank
        FROM totals t
    )
    INSERT INTO {res} (period_id, subject_id, round, base_points, score_total, bonus, deduction, total, parties,
                       vetoed, veto_item_id, rank, honoured, stars)
    SELECT %s, subject_id, %s, %s, score_total, bonus, deduction, total, parties,
           (veto_item_id IS NOT NULL), veto_item_id, rank,
           (rank IS NOT NULL AND rank <= %s), {stars_sql}
    FROM ranked
    """
    base = _param(period.version.base_points)
    params = [period.pk, base, period.pk, period.pk, round_no, base, period.version.top_n, *star_params]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


# --- explanation: the same numbers, item by item and juror by juror ------------------------------------

def _q(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class JurorEntry:
    juror_id: int
    juror_name: str
    party: str
    party_label: str
    value: Decimal
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
    veto_lines: list[ItemLine]
    sheets: list[ScoreSheet]


def explain(subject: Subject) -> Explanation:
    period = subject.period
    version = period.version
    items = [i for i in version.items.all() if i.is_scored]
    sheets = list(
        ScoreSheet.objects.filter(subject=subject, is_current=True).select_related("juror__user").order_by("party", "juror_id")
    )
    scores = {(s.sheet_id, s.item_id): s for s in Score.objects.filter(sheet__in=sheets)}
    parties = sorted({s.party for s in sheets})
    lines, sums = [], {ItemKind.SCORE: Fraction(0), ItemKind.BONUS: Fraction(0), ItemKind.DEDUCTION: Fraction(0)}
    for item in items:
        line = ItemLine(item=item)
        per_party: dict[str, list[Fraction]] = {}
        for sheet in sheets:
            s = scores.get((sheet.pk, item.pk))
            value = s.value if s else Decimal("0")
            line.entries.append(JurorEntry(sheet.juror_id, sheet.juror.user.display_name, sheet.party,
                                           sheet.get_party_display(), value, s.note if s else ""))
            per_party.setdefault(sheet.party, []).append(Fraction(value))
        means = {p: sum(v) / len(v) for p, v in per_party.items()}
        line.party_means = {p: _q(m) for p, m in means.items()}
        mean = sum(means.values()) / len(means) if means else Fraction(0)
        line.mean = _q(mean)
        if item.kind == ItemKind.VETO:
            line.vetoed = any(e.value > 0 for e in line.entries)
        else:
            sums[item.kind] += mean
        lines.append(line)
    score_total, bonus, deduction = (_q(sums[k]) for k in (ItemKind.SCORE, ItemKind.BONUS, ItemKind.DEDUCTION))
    return Explanation(
        subject=subject, version_number=version.number, base_points=version.base_points, lines=lines,
        parties=parties, score_total=score_total, bonus=bonus, deduction=deduction,
        total=version.base_points + score_total + bonus - deduction,
        veto_lines=[ln for ln in lines if ln.vetoed], sheets=sheets,
    )
