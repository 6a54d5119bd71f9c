"""Votes: opened with a fixed form, secrecy and window; ballots online or on paper, once per household or
owner across both channels (the database's unique constraint decides a race); closed and counted."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.territory.models import Household

from ..models import Ballot, BallotForm, Channel, Owner, Step, Topic, Vote, VoteChoices
from ..permissions import can_manage_topic, households_in_place, owner_for
from .rewards import grant_ballot
from .workflow import Conflict, lock_topic, record


@transaction.atomic
def vote_open(*, actor, topic: Topic, form: str, choices: str = VoteChoices.YES_NO, secret: bool = True,
              opens_at: datetime.datetime | None = None, closes_at: datetime.datetime) -> Vote:
    topic = lock_topic(topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if topic.step != Step.CONSULTATION:
        raise Conflict(_("只有组织协商阶段可以发起表决"), code="bad_step")
    if form not in BallotForm.values or choices not in VoteChoices.values:
        raise ValidationError({"form": [_("表决形式有误")]})
    if topic.is_owner_matter and (form != BallotForm.OWNER or choices != VoteChoices.YES_NO):
        raise ValidationError({"form": [_("业主共同决定事项须由业主按人数和面积表决同意与否")]})
    if form == BallotForm.OWNER:
        if topic.place.level != "compound" or not Owner.objects.filter(register__compound=topic.place).exists():
            raise ValidationError({"form": [_("本小区尚未导入业主名册")]})
    if choices == VoteChoices.OPTIONS and len(topic.options) < 2:
        raise ValidationError({"choices": [_("至少需要两个备选方案")]})
    opens_at = opens_at or timezone.now()
    if closes_at is None or closes_at <= opens_at:
        raise ValidationError({"closes_at": [_("截止时间应晚于开始时间")]})
    if topic.votes.filter(closed_at__isnull=True).exists():
        raise Conflict(_("本议题已有进行中的表决"), code="vote_in_progress")
    vote = Vote.objects.create(topic=topic, form=form, choices=choices, secret=secret, opens_at=opens_at,
                               closes_at=closes_at, options=list(topic.options) if choices == VoteChoices.OPTIONS else [],
                               created_by=actor)
    record(topic, actor=actor, action="vote_opened",
           data={"vote": vote.pk, "form": form, "secret": secret, "closes_at": timezone.localtime(closes_at).isoformat()})
    return vote


def _check_choice(vote: Vote, choice: str) -> None:
    if choice not in {k for k, _label in vote.choice_labels()}:
        raise ValidationError({"choice": [_("选项有误")]})


def _check_window(vote: Vote, now) -> None:
    if vote.closed_at is not None or now >= vote.closes_at:
        raise Conflict(_("表决已截止"), code="vote_closed")
    if now < vote.opens_at:
        raise Conflict(_("表决尚未开始"), code="vote_not_open")


def _insert(vote: Vote, **values) -> Ballot:
    """The ballot, then its 微积分 points in the same transaction (the caller's): a ballot refused by the
    database grants nothing, and a grant that fails takes the ballot back with it."""
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(vote=vote, **values)
    except IntegrityError:
        raise Conflict(_("该户（业主）已投过票，每户（每位业主）只能投一次，线上和纸质票合计"),
                       code="already_voted") from None
    grant_ballot(ballot, vote.topic)
    return ballot


@transaction.atomic
def ballot_cast(*, actor, vote: Vote, choice: str, now=None) -> Ballot:
    """Online, on the resident's phone: the household (or the owner) the account belongs to."""
    now = now or timezone.now()
    _check_window(vote, now)
    _check_choice(vote, choice)
    topic = vote.topic
    if vote.form == BallotForm.OWNER:
        owner = owner_for(actor, topic)
        if owner is None:
            raise PermissionDenied(_("您不在本小区业主名册中，不能参加业主表决"))
        return _insert(vote, voter_key=f"o{owner.pk}", owner=owner, choice=choice, channel=Channel.ONLINE, cast_by=actor)
    if vote.form != BallotForm.HOUSEHOLD:
        raise Conflict(_("举手表决由主持人记录票数"), code="hands_only")
    households = households_in_place(actor, topic)
    if not households:
        raise PermissionDenied(_("只有本区划的居民可以投票"))
    h = households[0]
    return _insert(vote, voter_key=f"h{h.pk}", household=h, choice=choice, channel=Channel.ONLINE, cast_by=actor)


@transaction.atomic
def ballot_enter_paper(*, actor, vote: Vote, choice: str, household: Household | None = None,
                       owner: Owner | None = None, now=None) -> Ballot:
    """A paper ballot entered by staff; the same unique key as online ballots."""
    now = now or timezone.now()
    topic = vote.topic
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if vote.closed_at is not None:
        raise Conflict(_("表决已计票，不能再录入"), code="vote_closed")
    if now < vote.opens_at:
        raise Conflict(_("表决尚未开始"), code="vote_not_open")
    _check_choice(vote, choice)
    if vote.form == BallotForm.OWNER:
        if owner is None or owner.register.compound_id != topic.place_id:
            raise ValidationError({"owner": [_("该业主不在本小区业主名册中")]})
        return _insert(vote, voter_key=f"o{owner.pk}", owner=owner, choice=choice, channel=Channel.PAPER, cast_by=actor)
    if vote.form != BallotForm.HOUSEHOLD:
        raise Conflict(_("举手表决由主持人记录票数"), code="hands_only")
    if household is None or not household.node_path.startswith(topic.place_path):
        raise ValidationError({"household": [_("该户不在本议题的区划内")]})
    return _insert(vote, voter_key=f"h{household.pk}", household=household, choice=choice, channel=Channel.PAPER,
                   cast_by=actor)


@transaction.atomic
def vote_record_hands(*, actor, vote: Vote, counts: dict[str, int]) -> Vote:
    topic = lock_topic(vote.topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    if vote.form != BallotForm.HANDS:
        raise ValidationError(_("只有举手表决可以直接录入票数"))
    if vote.closed_at is not None:
        raise Conflict(_("表决已计票"), code="vote_closed")
    keys = {k for k, _label in vote.choice_labels()}
    clean = {}
    for k in keys:
        v = counts.get(k, 0)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 1_000_000:
            raise ValidationError({"counts": [_("票数应为 0 至 1000000 的整数")]})
        clean[k] = v
    vote.hands = clean
    vote.save(update_fields=["hands"])
    record(topic, actor=actor, action="hands_recorded", data={"vote": vote.pk, "counts": clean})
    return vote


@transaction.atomic
def vote_close(*, actor, vote: Vote) -> Vote:
    topic = lock_topic(vote.topic)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied
    vote = Vote.objects.get(pk=vote.pk)  # re-read under the topic lock
    if vote.closed_at is not None:
        raise Conflict(_("表决已计票"), code="vote_closed")
    from ..tally import tally

    vote.closed_at = timezone.now()
    vote.save(update_fields=["closed_at"])
    result = tally(vote)
    record(topic, actor=actor, action="vote_closed", note=str(result.outcome), data={"vote": vote.pk, **result.as_dict()})
    return vote
