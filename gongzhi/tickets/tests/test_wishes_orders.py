import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.territory.testing import make_user
from gongzhi.tickets import services
from gongzhi.tickets.selectors_wishes import wall

pytestmark = pytest.mark.django_db


def test_wish_claim_fulfil_confirm(world):
    u = world.users
    w = services.wish_create(actor=u["resident_a1"], title="想要一副老花镜")
    assert w in wall(u["grid_a1"]) and w in wall(u["community_a"]) and w not in wall(u["community_b"])
    with pytest.raises(PermissionDenied):
        services.wish_claim(actor=u["nobody"], wish=w)
    services.wish_claim(actor=u["grid_a1"], wish=w)
    with pytest.raises(ValidationError) as e:
        services.wish_claim(actor=u["community_a"], wish=w)
    assert "已被认领" in str(e.value)
    with pytest.raises(PermissionDenied):
        services.wish_fulfil(actor=u["community_a"], wish=w, note="送到了")
    services.wish_fulfil(actor=u["grid_a1"], wish=w, note="已送上门")
    with pytest.raises(PermissionDenied):
        services.wish_confirm(actor=u["grid_a2"], wish=w)
    w = services.wish_confirm(actor=u["resident_a1"], wish=w)
    assert w.status == "confirmed"
    assert list(w.events.values_list("to_status", flat=True)) == ["open", "claimed", "fulfilled", "confirmed"]


def test_wish_wall_pages(world, client_for):
    c = client_for(world.users["resident_a1"])
    c.post(reverse("tickets:wish_new"), {"title": "想学智能手机"})
    r = client_for(world.users["grid_a1"]).get(reverse("tickets:wall"))
    assert "想学智能手机" in r.content.decode()
    assert "想学智能手机" not in client_for(world.users["community_b"]).get(reverse("tickets:wall")).content.decode()


def test_four_orders(world):
    u = world.users
    org = Organisation.objects.create(name="邻里家政服务队", kind=Organisation.Kind.SERVICE_TEAM,
                                      community=world.community_a)
    worker = make_user("jiazheng")
    OrganisationMember.objects.create(organisation=org, user=worker)
    off = services.offering_create(actor=u["community_a"], organisation=org, community=world.community_a,
                                   title="上门理发")
    from gongzhi.accounts.models import AuditLog
    assert AuditLog.objects.filter(action="create", target_type="tickets.serviceoffering", target_id=str(off.pk)).exists()
    o = services.order_create(actor=u["resident_a1"], offering=off, note="周六上午")
    with pytest.raises(PermissionDenied):
        services.order_dispatch(actor=u["community_b"], order=o)
    services.order_dispatch(actor=u["community_a"], order=o)
    with pytest.raises(ValidationError):
        services.order_decline(actor=worker, order=o, reason="")
    services.order_decline(actor=worker, order=o, reason="周六没人")
    services.order_dispatch(actor=u["community_a"], order=o)
    services.order_accept(actor=worker, order=o)
    with pytest.raises(PermissionDenied):
        services.order_done(actor=u["grid_a1"], order=o, result="完成")
    services.order_done(actor=worker, order=o, result="已理发")
    with pytest.raises(PermissionDenied):
        services.order_rate(actor=worker, order=o, rating="satisfied")
    o = services.order_rate(actor=u["resident_a1"], order=o, rating="satisfied", comment="手艺好")
    assert o.status == "rated"
    assert list(o.events.values_list("to_status", flat=True)) == [
        "ordered", "dispatched", "declined", "dispatched", "accepted", "done", "rated"]


def test_an_outside_organisation_cannot_publish_offerings_in_another_community(world):
    org_b = Organisation.objects.create(name="乙社区志愿队", kind=Organisation.Kind.VOLUNTEER_TEAM,
                                        community=world.community_b)
    member = make_user("yi_volunteer")
    OrganisationMember.objects.create(organisation=org_b, user=member)
    with pytest.raises(ValidationError):
        services.offering_create(actor=member, organisation=org_b, community=world.community_a, title="上门理发")
    org_b.serves.add(world.compound_a)
    assert services.offering_create(actor=member, organisation=org_b, community=world.community_a, title="上门理发")
