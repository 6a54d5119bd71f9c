"""Evaluation by points: rule sets and their versions, periods, juries, score sheets, results,
year awards and role-holder subsidies. One module per concern, re-exported here."""

from .awards import RoleSubsidy, YearAward
from .periods import Period, PeriodEvent, Subject, SubjectResult
from .rules import (
    Category,
    CompoundType,
    ItemKind,
    PeriodKind,
    RuleItem,
    RuleSet,
    RuleVersion,
    SetKind,
    SubjectType,
)
from .scoring import Juror, Party, PeriodJuror, Score, ScoreSheet

__all__ = [
    "Category", "CompoundType", "ItemKind", "Juror", "Party", "Period", "PeriodEvent", "PeriodJuror", "PeriodKind", "RoleSubsidy",
    "RuleItem", "RuleSet", "RuleVersion", "Score", "ScoreSheet", "SetKind", "Subject", "SubjectResult",
    "SubjectType", "YearAward",
]
