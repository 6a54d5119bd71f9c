"""Counting a vote, once, for page, API, export and board alike.

Owners' matters follow Civil Code Art. 278 ¶2: the vote counts only if owners holding two thirds or more
of the exclusive area AND two thirds or more of all owners take part ("专有部分面积占比三分之二以上的业主且
人数占比三分之二以上的业主参与表决"); raising the maintenance fund, rebuilding and changing the use of common
parts pass with three quarters or more of the participating area AND of the participating owners
("参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意"), the other matters with more
than half of both ("过半数"). "以上" includes the figure itself (Art. 1259); "过半数" does not.

Everything is integer arithmetic: heads are counts and areas are hundredths of a square metre, so
each threshold is a cross-multiplication (3 × part ≥ 2 × total) with no division and no float."""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from .models import SPECIAL_MATTERS, Ballot, BallotForm, Owner, Vote
from .models.votes import YES

PARTICIPATION = Fraction(2, 3)
SPECIAL_PASS = Fraction(3, 4)


def at_least(part: int, whole: int, share: Fraction) -> bool:
    """part ≥ share × whole, exactly ("以上" includes the figure)."""
    return part * share.denominator >= whole * share.numerator


def more_than_half(part: int, whole: int) -> bool:
    return whole > 0 and 2 * part > whole


def area(area_c: int) -> Decimal:
    return (Decimal(area_c) / 100).quantize(Decimal("0.01"))


@dataclass
class Line:
    key: str
    label: str
    heads: int = 0
    area_c: int = 0

    @property
    def area(self) -> Decimal:
        return area(self.area_c)


@dataclass
class Check:
    """One threshold: what was needed, what there was, whether it was met."""

    label: str
    rule: str
    part: str
    whole: str
    met: bool


@dataclass
class Tally:
    form: str
    lines: list[Line]
    participants: int = 0
    participating_area_c: int = 0
    total_heads: int | None = None
    total_area_c: int | None = None
    checks: list[Check] = field(default_factory=list)
    participation_met: bool = True
    passed: bool | None = None
    winner: str = ""

    @property
    def outcome(self) -> str:
        if not self.participation_met:
            return _("未达到参与门槛")
        if self.winner:
            return _("选定：%(o)s") % {"o": self.winner}
        if self.passed is None:
            return _("无人投票")
        return _("通过") if self.passed else _("未通过")

    def as_dict(self) -> dict:
        return {
            "form": self.form,
            "lines": [{"key": ln.key, "label": ln.label, "count": ln.heads,
                       "area": str(ln.area) if self.form == BallotForm.OWNER else None} for ln in self.lines],
            "participants": self.participants,
            "participating_area": str(area(self.participating_area_c)) if self.form == BallotForm.OWNER else None,
            "total_owners": self.total_heads,
            "total_area": str(area(self.total_area_c)) if self.total_area_c is not None else None,
            "checks": [c.__dict__ for c in self.checks],
            "participation_met": self.participation_met,
            "passed": self.passed,
            "outcome": str(self.outcome),
        }


def judge_owners(matter: str, *, total_heads: int, total_area_c: int, part_heads: int, part_area_c: int,
                 yes_heads: int, yes_area_c: int) -> tuple[bool, bool | None, list[Check]]:
    """Art. 278 ¶2 on integers: (participation met, passed or None when not counted, the four checks)."""
    checks = [
        Check(_("参与表决面积"), _("≥ 总面积的三分之二"), str(area(part_area_c)), str(area(total_area_c)),
              total_area_c > 0 and at_least(part_area_c, total_area_c, PARTICIPATION)),
        Check(_("参与表决人数"), _("≥ 业主总人数的三分之二"), str(part_heads), str(total_heads),
              total_heads > 0 and at_least(part_heads, total_heads, PARTICIPATION)),
    ]
    participation = checks[0].met and checks[1].met
    if matter in SPECIAL_MATTERS:
        checks += [
            Check(_("同意面积"), _("≥ 参与表决面积的四分之三"), str(area(yes_area_c)), str(area(part_area_c)),
                  part_area_c > 0 and at_least(yes_area_c, part_area_c, SPECIAL_PASS)),
            Check(_("同意人数"), _("≥ 参与表决人数的四分之三"), str(yes_heads), str(part_heads),
                  part_heads > 0 and at_least(yes_heads, part_heads, SPECIAL_PASS)),
        ]
    else:
        checks += [
            Check(_("同意面积"), _("> 参与表决面积的一半"), str(area(yes_area_c)), str(area(part_area_c)),
                  more_than_half(yes_area_c, part_area_c)),
            Check(_("同意人数"), _("> 参与表决人数的一半"), str(yes_heads), str(part_heads),
                  more_than_half(yes_heads, part_heads)),
        ]
    passed = (checks[2].met and checks[3].met) if participation else None
    return participation, passed, checks


def tally(vote: Vote) -> Tally:
    """The vote's result in at most two queries (register totals, ballots grouped by choice)."""
    labels = vote.choice_labels()
    lines = {k: Line(k, label) for k, label in labels}
    if vote.form == BallotForm.HANDS:
        for k, line in lines.items():
            line.heads = int(vote.hands.get(k, 0))
    else:
        rows = Ballot.objects.filter(vote=vote).values("choice").annotate(heads=Count("id"), area_c=Sum("owner__area_c"))
        for r in rows:
            if r["choice"] in lines:
                lines[r["choice"]].heads = r["heads"]
                lines[r["choice"]].area_c = r["area_c"] or 0
    out = Tally(form=vote.form, lines=list(lines.values()))
    out.participants = sum(ln.heads for ln in out.lines)
    out.participating_area_c = sum(ln.area_c for ln in out.lines)
    if out.participants == 0 and vote.form != BallotForm.OWNER:
        return out
    if vote.form == BallotForm.OWNER:
        totals = Owner.objects.filter(register__compound_id=vote.topic.place_id).aggregate(
            heads=Count("id"), area_c=Sum("area_c"))
        out.total_heads, out.total_area_c = totals["heads"], totals["area_c"] or 0
        yes = lines.get(YES) or Line("", "")
        out.participation_met, out.passed, out.checks = judge_owners(
            vote.topic.matter, total_heads=out.total_heads, total_area_c=out.total_area_c,
            part_heads=out.participants, part_area_c=out.participating_area_c, yes_heads=yes.heads,
            yes_area_c=yes.area_c)
        return out
    if vote.choices == "options":
        best = max(out.lines, key=lambda ln: ln.heads)
        tied = [ln for ln in out.lines if ln.heads == best.heads]
        out.winner = best.label if len(tied) == 1 else ""
        out.passed = None if out.winner else False
        return out
    # A community matter by household or by hands: more than half of the ballots cast say yes.
    out.passed = more_than_half(lines[YES].heads, out.participants)
    return out
