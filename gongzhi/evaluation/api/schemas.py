import datetime
from decimal import Decimal

from ninja import Schema

from ..subjects import ref_id as place_of


class ItemOut(Schema):
    id: int
    position: int
    kind: str
    category: str
    category_label: str
    description: str
    points: Decimal | None
    cap: Decimal | None
    max_value: Decimal
    entry: str
    max_count: int | None
    derived_from_id: int | None

    @staticmethod
    def resolve_category_label(obj):
        return obj.get_category_display()

    @staticmethod
    def resolve_entry(obj):
        """What the juror enters: points (score items), count (bonus/deduction, per occurrence), flag (veto),
        none (an exemption)."""
        if obj.is_per_occurrence:
            return "count"
        return {"score": "points", "veto": "flag"}.get(obj.kind, "none")


class VersionOut(Schema):
    id: int
    number: int
    effective_from: datetime.date
    effective_to: datetime.date | None
    adopted_by: str
    adopted_on: datetime.date | None
    summary: str
    base_points: Decimal
    top_n: int
    top_title: str
    award_count: int
    award_subsidy_percent: Decimal
    role_subsidy_percent: Decimal
    role_subsidy_extra_percent: Decimal
    star_thresholds: str
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class RuleSetOut(Schema):
    id: int
    node_id: int
    node_name: str
    name: str
    kind: str
    subject_type: str
    period_kind: str
    compound_type: str
    description: str

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name


class JurorOut(Schema):
    id: int
    user_id: int
    name: str
    party: str
    party_label: str
    active: bool

    @staticmethod
    def resolve_name(obj):
        return obj.user.display_name

    @staticmethod
    def resolve_party_label(obj):
        return obj.get_party_display()


class RuleSetDetail(RuleSetOut):
    versions: list[VersionOut]
    jurors: list[JurorOut]

    @staticmethod
    def resolve_versions(obj):
        from ..selectors import rule_set_versions

        return list(rule_set_versions(obj))

    @staticmethod
    def resolve_jurors(obj):
        from ..selectors import rule_set_jurors

        return list(rule_set_jurors(obj))


class RuleSetIn(Schema):
    node_id: int
    name: str
    subject_type: str
    kind: str = "ranking"
    period_kind: str = "month"
    compound_type: str = ""
    description: str = ""


class VersionIn(Schema):
    effective_from: datetime.date
    adopted_by: str
    effective_to: datetime.date | None = None
    adopted_on: datetime.date | None = None
    summary: str = ""
    copy_items: bool = True
    base_points: Decimal | None = None
    top_n: int | None = None
    top_title: str | None = None
    award_count: int | None = None
    award_subsidy_percent: Decimal | None = None
    role_subsidy_percent: Decimal | None = None
    role_subsidy_extra_percent: Decimal | None = None
    star_thresholds: str | None = None


class ItemIn(Schema):
    kind: str
    category: str
    description: str
    points: Decimal | None = None
    cap: Decimal | None = None
    derived_from_id: int | None = None


class ItemPatch(Schema):
    description: str | None = None
    points: Decimal | None = None
    cap: Decimal | None = None


class JurorIn(Schema):
    login: str
    party: str


class PeriodOut(Schema):
    id: int
    rule_set_id: int
    version_id: int
    version_number: int
    start: datetime.date
    end: datetime.date
    label: str
    status: str
    round: int

    @staticmethod
    def resolve_version_number(obj):
        return obj.version.number


class ProgressOut(Schema):
    party: str
    label: str
    jurors: int
    subjects_scored: int
    subjects: int
    done: bool


class SeatProgressOut(Schema):
    id: int
    user_id: int
    name: str
    party: str
    party_label: str
    subjects_scored: int
    subjects: int
    done: bool


class PeriodDetail(PeriodOut):
    progress: list[ProgressOut]
    jury: list[SeatProgressOut]

    @staticmethod
    def resolve_progress(obj):
        from ..selectors import period_progress

        return [{"party": x.party, "label": x.label, "jurors": x.jurors, "subjects_scored": x.subjects_scored,
                 "subjects": x.subjects, "done": x.done} for x in period_progress(obj)]

    @staticmethod
    def resolve_jury(obj):
        from ..selectors import jury_progress

        return [seat_progress(x) for x in jury_progress(obj)]


def seat_progress(x) -> dict:
    s = x.seat
    return {"id": s.pk, "user_id": s.user_id, "name": s.user.display_name, "party": s.party,
            "party_label": s.get_party_display(), "subjects_scored": x.scored, "subjects": x.subjects,
            "done": x.done}


class PeriodJurorIn(Schema):
    login: str
    party: str


class PeriodIn(Schema):
    day: datetime.date
    subject_refs: list[int] | None = None


class ReasonIn(Schema):
    reason: str = ""


class ResultOut(Schema):
    subject_id: int
    key: str
    place_id: int | None
    label: str
    rank: int | None
    total: Decimal
    base_points: Decimal
    score_total: Decimal
    bonus: Decimal
    deduction: Decimal
    parties: int
    vetoed: bool
    veto_reason: str
    honoured: bool
    stars: int | None

    @staticmethod
    def resolve_label(obj):
        return obj.subject.label

    @staticmethod
    def resolve_key(obj):
        return obj.subject.key

    @staticmethod
    def resolve_place_id(obj):
        return place_of(obj.subject)

    @staticmethod
    def resolve_veto_reason(obj):
        return obj.veto_item.description if obj.vetoed and obj.veto_item else ""


class SubjectOut(Schema):
    id: int
    key: str
    place_id: int | None
    label: str
    done: bool = False

    @staticmethod
    def resolve_place_id(obj):
        return place_of(obj)


class SheetIn(Schema):
    subject_id: int
    client_key: str
    values: dict[int, Decimal | int | str | None]
    notes: dict[int, str] = {}
    note: str = ""


class SheetOut(Schema):
    sheet_id: int
    created: bool
    period_closed: bool


class YearIn(Schema):
    year: int
    subsidy_percent: Decimal | None = None


class AwardOut(Schema):
    id: int
    year: int
    rank: int
    key: str
    place_id: int | None
    label: str
    flag_months: int
    year_total: Decimal
    subsidy_percent: Decimal
    granted_by_id: int
    granted_by_name: str
    granted_at: datetime.datetime

    @staticmethod
    def resolve_key(obj):
        return obj.subject_key

    @staticmethod
    def resolve_place_id(obj):
        return place_of(obj)

    @staticmethod
    def resolve_granted_by_name(obj):
        return obj.granted_by.display_name


class StandingOut(Schema):
    key: str
    place_id: int | None
    label: str
    flag_months: int
    year_total: Decimal
    vetoed_months: int


class SubsidyIn(Schema):
    year: int
    assignment_id: int
    note: str = ""


class SubsidyOut(Schema):
    id: int
    year: int
    assignment_id: int
    user_id: int
    user_name: str
    role: str
    role_label: str
    place_id: int | None
    place: str
    version_number: int
    base_percent: Decimal
    extra_percent: Decimal
    percent: Decimal
    note: str
    granted_by_id: int
    granted_by_name: str
    granted_at: datetime.datetime

    @staticmethod
    def resolve_version_number(obj):
        return obj.version.number

    @staticmethod
    def resolve_user_name(obj):
        return obj.user.display_name

    @staticmethod
    def resolve_role(obj):
        return obj.assignment.role

    @staticmethod
    def resolve_role_label(obj):
        return obj.assignment.get_role_display()

    @staticmethod
    def resolve_place_id(obj):
        return obj.assignment.node_id

    @staticmethod
    def resolve_place(obj):
        return holder_place(obj.assignment)

    @staticmethod
    def resolve_granted_by_name(obj):
        return obj.granted_by.display_name


def holder_place(assignment) -> str:
    node = assignment.node
    if node is None:
        return ""
    from ..subjects import node_label

    return node_label(node)


class EvaluationRoleHolderOut(Schema):
    assignment_id: int
    user_id: int
    name: str
    role: str
    role_label: str
    place_id: int | None
    place: str

    @staticmethod
    def resolve_assignment_id(obj):
        return obj.pk

    @staticmethod
    def resolve_name(obj):
        return obj.user.display_name

    @staticmethod
    def resolve_role_label(obj):
        return obj.get_role_display()

    @staticmethod
    def resolve_place_id(obj):
        return obj.node_id

    @staticmethod
    def resolve_place(obj):
        return holder_place(obj)
