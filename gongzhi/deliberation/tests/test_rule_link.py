"""A rule version adopted by a deliberation decision points to it (the link lives on evaluation's side)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongzhi.deliberation import services
from gongzhi.evaluation import seed_rules
from gongzhi.evaluation import services as ev

from .conftest import make_topic, to_consultation


def test_rule_version_links_the_decision_that_adopted_it(d, client_for):
    rs, _v1, v2 = seed_rules.build_hongdongli(actor=d.staff, compound=d.world.compound_a)
    topic = to_consultation(d, make_topic(d, title="修订红棟力评比细则", source="rule_revision"))
    decision = services.decision_record(actor=d.staff, topic=topic, text="通过三项修订")
    v3 = ev.version_create(actor=d.staff, rule_set=rs, effective_from=v2.effective_from + datetime.timedelta(days=400),
                           adopted_by="", decision=decision)
    assert v3.decision == decision and "修订红棟力评比细则" in v3.adopted_by
    services.apply_record(actor=d.staff, topic=topic, kind="rule_version", note=f"第{v3.number}版")
    body = client_for(d.staff).get(f"/evaluation/rulesets/{rs.pk}/").content.decode()
    assert f"/deliberation/topics/{topic.pk}/" in body


def test_decision_of_another_place_refused(d):
    from gongzhi.territory.models import Level
    from gongzhi.territory.testing import make_node

    rs, _v1, v2 = seed_rules.build_hongdongli(actor=d.staff, compound=d.world.compound_a)
    other = make_node(d.world.community_a, Level.COMPOUND, "另一小区")
    topic = to_consultation(d, make_topic(d, place=other))
    decision = services.decision_record(actor=d.staff, topic=topic, text="x")
    with pytest.raises(ValidationError):
        ev.version_create(actor=d.staff, rule_set=rs, effective_from=v2.effective_from + datetime.timedelta(days=400),
                          adopted_by="", decision=decision)


def test_the_rule_set_page_names_the_decision_that_adopts_a_new_version(d, client_for):
    """The staff page offers the decisions of the place and above; one of another compound is not offered
    and, posted by hand, refused without writing a version."""
    from gongzhi.evaluation.models import RuleVersion
    from gongzhi.territory.models import Level
    from gongzhi.territory.testing import make_node

    rs, _v1, v2 = seed_rules.build_hongdongli(actor=d.staff, compound=d.world.compound_a)
    here = services.decision_record(actor=d.staff, topic=to_consultation(d, make_topic(d, title="本小区细则修订")),
                                    text="通过")
    other = make_node(d.world.community_a, Level.COMPOUND, "另一小区")
    there = services.decision_record(actor=d.staff, topic=to_consultation(d, make_topic(d, place=other, title="别处")),
                                     text="通过")
    c = client_for(d.staff)
    page = c.get(f"/evaluation/rulesets/{rs.pk}/").content.decode()
    assert "本小区细则修订" in page and "别处" not in page
    day = (v2.effective_from + datetime.timedelta(days=400)).isoformat()
    before = RuleVersion.objects.count()
    c.post(f"/evaluation/rulesets/{rs.pk}/versions/", {"effective_from": day, "decision": there.pk})
    assert RuleVersion.objects.count() == before
    c.post(f"/evaluation/rulesets/{rs.pk}/versions/", {"effective_from": day, "decision": here.pk})
    v3 = RuleVersion.objects.get(rule_set=rs, decision=here)
    assert "本小区细则修订" in v3.adopted_by
