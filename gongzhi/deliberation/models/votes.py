from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import Household

from .register import Owner
from .topics import Topic


class BallotForm(models.TextChoices):
    HANDS = "hands", _("举手表决（主持人记录票数）")
    HOUSEHOLD = "household", _("按户投票（一户一票）")
    OWNER = "owner", _("业主投票（按人数和专有面积）")


class VoteChoices(models.TextChoices):
    YES_NO = "yes_no", _("同意 / 反对 / 弃权")
    OPTIONS = "options", _("从备选方案中选择")


YES, NO, ABSTAIN = "yes", "no", "abstain"


class Channel(models.TextChoices):
    ONLINE = "online", _("线上")
    PAPER = "paper", _("纸质（工作人员录入）")


class Vote(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="votes")
    form = models.CharField(_("表决形式"), max_length=10, choices=BallotForm.choices)
    choices = models.CharField(_("选项"), max_length=8, choices=VoteChoices.choices, default=VoteChoices.YES_NO)
    options = models.JSONField(_("备选方案"), default=list, blank=True)
    secret = models.BooleanField(_("无记名"), default=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    # Show of hands: the chair records the counts only.
    hands = models.JSONField(_("举手票数"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="delib_vote_window_ordered")]

    def __str__(self) -> str:
        return f"{self.topic.title} · {self.get_form_display()}"

    def choice_labels(self) -> list[tuple[str, str]]:
        if self.choices == VoteChoices.OPTIONS:
            return [(str(i), str(o)) for i, o in enumerate(self.options)]
        return [(YES, str(_("同意"))), (NO, str(_("反对"))), (ABSTAIN, str(_("弃权")))]

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closed_at is None and self.opens_at <= now < self.closes_at


class Ballot(models.Model):
    """One ballot per household or per owner, online or on paper: `voter_key` ("h<id>" / "o<id>") is unique per
    vote, so the database refuses the second whatever its channel and however close in time."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    voter_key = models.CharField(max_length=24)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, null=True, blank=True, related_name="ballots")
    choice = models.CharField(max_length=12)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter_key"], name="delib_one_ballot_per_voter"),
            models.CheckConstraint(condition=Q(household__isnull=False, owner__isnull=True)
                                   | Q(household__isnull=True, owner__isnull=False), name="delib_ballot_one_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.voter_key}"
