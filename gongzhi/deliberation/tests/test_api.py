import datetime

from django.utils import timezone

from gongzhi.deliberation.models import Topic

from .conftest import make_register, make_topic, to_consultation


def test_api_five_steps_and_409_on_second_ballot(d, client_for):
    c = client_for(d.staff)
    r = c.post("/api/deliberation/topics", {"place_id": d.world.compound_a.pk, "title": "安装道闸",
                                             "plan_how": "北门安装车辆道闸", "options": ["安装", "不安装"]},
               content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert c.post(f"/api/deliberation/topics/{pk}/notice", {}, content_type="application/json").json()["step"] == "notice"
    starts = (timezone.now() + datetime.timedelta(days=8)).isoformat()
    r = c.post(f"/api/deliberation/topics/{pk}/meeting", {"kind": "council", "starts_at": starts, "location": "议事厅"},
               content_type="application/json")
    assert r.status_code == 200, r.content
    r = c.post(f"/api/deliberation/topics/{pk}/open", {}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "notice_not_over"
    Topic.objects.filter(pk=pk).update(notice_until=timezone.localdate())
    assert c.post(f"/api/deliberation/topics/{pk}/open").json()["step"] == "consultation"
    closes = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    r = c.post(f"/api/deliberation/topics/{pk}/votes", {"form": "household", "closes_at": closes},
               content_type="application/json")
    assert r.status_code == 201, r.content
    vote_id = r.json()["id"]
    rc = client_for(d.resident)
    assert rc.post(f"/api/deliberation/votes/{vote_id}/ballots", {"choice": "yes"},
                   content_type="application/json").status_code == 201
    r = rc.post(f"/api/deliberation/votes/{vote_id}/ballots", {"choice": "no"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "already_voted" and "只能投一次" in r.json()["detail"]
    r = c.post(f"/api/deliberation/votes/{vote_id}/close")
    assert r.json()["outcome"] == "通过"
    r = c.post(f"/api/deliberation/topics/{pk}/decision", {"text": "安装", "method": "vote", "vote_id": vote_id},
               content_type="application/json")
    assert r.json()["step"] == "apply"
    r = c.post(f"/api/deliberation/topics/{pk}/apply", {"kind": "task", "task_owner": "物业",
                                                      "task_due": (timezone.localdate() + datetime.timedelta(days=9)).isoformat()},
               content_type="application/json")
    assert r.json()["step"] == "feedback"
    r = c.post(f"/api/deliberation/topics/{pk}/feedback", {"text": "已安装"}, content_type="application/json")
    assert r.json()["step"] == "closed"
    detail = c.get(f"/api/deliberation/topics/{pk}").json()
    assert [e["action"] for e in detail["events"]][-1] == "feedback_published"
    assert c.get("/api/deliberation/counts").json() == {"topics": 1, "held": 1, "decided": 1, "fed_back": 1}


def test_api_hidden_topic_is_404_and_board_is_public_without_personal_data(d, client_for):
    topic = make_topic(d)
    other = client_for(d.world.users["community_b"])
    assert other.get(f"/api/deliberation/topics/{topic.pk}").status_code == 404
    assert other.post(f"/api/deliberation/topics/{topic.pk}/notice", {}, content_type="application/json").status_code == 404
    from django.test import Client

    anon = Client()
    assert anon.get(f"/api/deliberation/board/{d.world.community_a.pk}").json()["items"] == []  # a draft is not public
    client_for(d.staff).post(f"/api/deliberation/topics/{topic.pk}/notice", {}, content_type="application/json")
    body = anon.get(f"/api/deliberation/board/{d.world.community_a.pk}").content.decode()
    assert "加装健身器材" in body and "community_a" not in body
    assert anon.get(f"/api/deliberation/topics/{topic.pk}").status_code == 401


def test_api_owner_vote_tally_both_ways(d, client_for):
    topic = to_consultation(d, make_topic(d, matter="fund_use"))
    owners = make_register(d, [9000, 6000, 5000])
    c = client_for(d.staff)
    r = c.post(f"/api/deliberation/topics/{topic.pk}/votes",
               {"form": "owner", "closes_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
               content_type="application/json")
    vote_id = r.json()["id"]
    for o, ch in zip(owners[:2], ["yes", "no"], strict=True):
        assert c.post(f"/api/deliberation/votes/{vote_id}/paper", {"owner_id": o.pk, "choice": ch},
                      content_type="application/json").status_code == 201
    t = c.get(f"/api/deliberation/votes/{vote_id}/tally").json()
    assert t["participating_area"] == "150.00" and t["total_area"] == "200.00"
    # 2 of 3 owners and 150 of 200 m² take part; yes: 90 of 150 m² (> half) but 1 of 2 owners (not > half)
    assert t["participation_met"] is True and t["passed"] is False
    assert [c["met"] for c in t["checks"]] == [True, True, True, False]
    assert t["outcome"] == "未通过"


def test_api_comments_meeting_and_votes_hide_names_from_residents(d, client_for):
    topic = make_topic(d)
    from gongzhi.deliberation import services

    services.topic_publish_notice(actor=d.staff, topic=topic)
    services.meeting_schedule(actor=d.staff, topic=topic, kind="bench", location="楼下",
                              starts_at=timezone.now() + datetime.timedelta(days=8))
    services.comment_add(actor=d.resident, topic=topic, text="支持")
    services.attendance_signup(actor=d.resident, topic=topic)
    staff, res = client_for(d.staff), client_for(d.resident)
    assert staff.get(f"/api/deliberation/topics/{topic.pk}/comments").json()["items"][0]["author"]
    assert res.get(f"/api/deliberation/topics/{topic.pk}/comments").json()["items"][0]["author"] is None
    m = staff.get(f"/api/deliberation/topics/{topic.pk}/meeting").json()
    assert m["signed_up"] == 1 and len(m["attendances"]) == 1 and "/signin/" in m["signin_url"]
    m = res.get(f"/api/deliberation/topics/{topic.pk}/meeting").json()
    assert m["attendances"] is None and m["signin_url"] is None
    assert staff.get(f"/api/deliberation/topics/{topic.pk}/votes").json()["items"] == []
    assert client_for(d.world.users["community_b"]).get(f"/api/deliberation/topics/{topic.pk}/meeting").status_code == 404
    assert staff.get("/api/openapi.json").status_code == 200
