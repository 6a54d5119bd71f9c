import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.models import PlaceSettings, Step, Topic, TopicEvent
from gongzhi.deliberation.services import Conflict

from .conftest import extra_resident, make_topic, to_consultation


def test_transition_table_covers_every_step_and_ends():
    from gongzhi.deliberation.models import Step as S

    assert set(services.TRANSITIONS) == set(S.values)
    assert services.TRANSITIONS[S.CLOSED] == set() and services.TRANSITIONS[S.WITHDRAWN] == set()
    for frm, back in services.BACK.items():
        assert back in services.TRANSITIONS[frm]


def test_five_steps_each_write_one_event_and_close_only_after_feedback(d):
    topic = make_topic(d)
    topic = to_consultation(d, topic)
    services.meeting_minutes(actor=d.staff, topic=topic, minutes="到会 12 人，一致同意中心花园方案")
    services.decision_record(actor=d.staff, topic=topic, text="在中心花园安装")
    topic.refresh_from_db()
    assert topic.step == Step.APPLY
    with pytest.raises(Conflict):
        services.feedback_publish(actor=d.staff, topic=topic, text="已安装")
    services.apply_record(actor=d.staff, topic=topic, kind="task", task_owner="物业王经理",
                          task_due=timezone.localdate() + datetime.timedelta(days=30))
    topic.refresh_from_db()
    assert topic.step == Step.FEEDBACK
    services.feedback_publish(actor=d.staff, topic=topic, text="器材已于本月安装完毕")
    topic.refresh_from_db()
    assert topic.step == Step.CLOSED and topic.feedback_published_at
    moves = list(TopicEvent.objects.filter(topic=topic).exclude(from_step=models_F("to_step"))
                 .values_list("from_step", "to_step"))
    assert moves == [("draft", "notice"), ("notice", "consultation"), ("consultation", "apply"),
                     ("apply", "feedback"), ("feedback", "closed")]


def models_F(name):
    from django.db.models import F

    return F(name)


def test_closed_needs_feedback_at_database_level(d):
    from django.db import IntegrityError, transaction

    topic = make_topic(d)
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(step=Step.CLOSED)


def test_send_back_and_withdraw_need_a_reason(d):
    topic = make_topic(d)
    services.topic_publish_notice(actor=d.staff, topic=topic)
    with pytest.raises(ValidationError):
        services.topic_send_back(actor=d.staff, topic=topic, reason=" ")
    services.topic_send_back(actor=d.staff, topic=topic, reason="方案需补充预算")
    topic.refresh_from_db()
    assert topic.step == Step.DRAFT
    assert topic.events.last().note == "方案需补充预算"
    services.topic_withdraw(actor=d.staff, topic=topic, reason="居民已自行解决")
    topic.refresh_from_db()
    assert topic.step == Step.WITHDRAWN
    with pytest.raises(Conflict):
        services.topic_publish_notice(actor=d.staff, topic=topic)


def test_notice_period_minimum_per_place(d):
    PlaceSettings.objects.create(node=d.world.community_a, notice_days=10)
    topic = make_topic(d)
    with pytest.raises(ValidationError):
        services.topic_publish_notice(actor=d.staff, topic=topic, days=7)
    services.topic_publish_notice(actor=d.staff, topic=topic)
    topic.refresh_from_db()
    assert topic.notice_until == timezone.localdate() + datetime.timedelta(days=10)
    with pytest.raises(ValidationError):  # the meeting cannot come before the notice period ends
        services.meeting_schedule(actor=d.staff, topic=topic, kind="bench", location="3栋楼下",
                                  starts_at=timezone.now() + datetime.timedelta(days=2))
    services.meeting_schedule(actor=d.staff, topic=topic, kind="bench", location="3栋楼下",
                              starts_at=timezone.now() + datetime.timedelta(days=11))
    with pytest.raises(Conflict):  # still in the notice period
        services.meeting_open(actor=d.staff, topic=topic)


def test_other_community_staff_cannot_run_the_topic(d):
    topic = make_topic(d)
    with pytest.raises(PermissionDenied):
        services.topic_publish_notice(actor=d.world.users["community_b"], topic=topic)
    with pytest.raises(PermissionDenied):
        services.topic_create(actor=d.world.users["community_b"], place=d.world.compound_a, title="x", plan_how="y")


def test_owner_matter_only_at_a_compound_and_never_by_consensus(d):
    with pytest.raises(ValidationError):
        make_topic(d, place=d.world.community_a, matter="fund_use")
    topic = to_consultation(d, make_topic(d, matter="fund_use"))
    with pytest.raises(ValidationError):
        services.decision_record(actor=d.staff, topic=topic, text="同意")
    with pytest.raises(ValidationError):
        services.vote_open(actor=d.staff, topic=topic, form="household",
                           closes_at=timezone.now() + datetime.timedelta(days=1))


def test_proposal_becomes_topic_at_threshold_one_signature_per_household(d):
    PlaceSettings.objects.create(node=d.world.compound_a, cosign_threshold=3)
    topic = services.topic_propose(actor=d.resident, household=d.world.hh_a1, title="增设电动车充电桩",
                                   plan_how="在北门车棚装 20 个充电口")
    assert topic.step == Step.PROPOSAL and topic.place == d.world.compound_a
    with pytest.raises(Conflict) as e:
        services.topic_cosign(actor=d.resident, topic=topic)
    assert e.value.code == "already_cosigned"
    u2, _ = extra_resident(d, "302")
    services.topic_cosign(actor=u2, topic=topic)
    topic.refresh_from_db()
    assert topic.step == Step.PROPOSAL
    u3, _ = extra_resident(d, "303")
    services.topic_cosign(actor=u3, topic=topic)
    topic.refresh_from_db()
    assert topic.step == Step.DRAFT and topic.cosignatures.count() == 3
    outsider = d.world.users["resident_a1"].__class__.objects.get(username="community_b")
    with pytest.raises(Conflict):
        services.topic_cosign(actor=outsider, topic=topic)


def test_comment_only_during_notice_and_only_residents(d):
    topic = make_topic(d)
    with pytest.raises(Conflict):
        services.comment_add(actor=d.resident, topic=topic, text="支持")
    services.topic_publish_notice(actor=d.staff, topic=topic)
    topic.refresh_from_db()
    services.comment_add(actor=d.resident, topic=topic, text="建议加装遮阳棚")
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=d.world.users["community_b"], topic=topic, text="x")
    with pytest.raises(ValidationError):
        services.comment_add(actor=d.resident, topic=topic, text="长" * 1001)


def test_sign_in_by_code_and_expired_code(d, settings):
    from django.core import signing

    topic = make_topic(d)
    services.topic_publish_notice(actor=d.staff, topic=topic)
    meeting = services.meeting_schedule(actor=d.staff, topic=topic, kind="council", location="议事厅",
                                        starts_at=timezone.now() + datetime.timedelta(days=8), capacity=1)
    services.attendance_signup(actor=d.resident, topic=topic)
    u2, _ = extra_resident(d, "304")
    with pytest.raises(Conflict) as e:
        services.attendance_signup(actor=u2, topic=topic)
    assert e.value.code == "full"
    token = services.signin_token(meeting)
    a = services.attendance_sign_in(actor=d.resident, topic=topic, token=token)
    assert a.signed_in_at
    with pytest.raises(Conflict):
        services.attendance_sign_in(actor=d.resident, topic=topic, token=token)
    with pytest.raises(ValidationError):
        services.attendance_sign_in(actor=u2, topic=topic, token=token + "x")
    old = signing.TimestampSigner(salt="gongzhi.deliberation.signin")
    stale = signing.dumps({"m": meeting.pk}, salt="gongzhi.deliberation.signin")
    import time
    real = time.time
    try:
        time.time = lambda: real() + 7 * 3600
        with pytest.raises(Conflict) as e:
            services.attendance_sign_in(actor=u2, topic=topic, token=stale)
        assert e.value.code == "code_expired"
    finally:
        time.time = real
    del old
