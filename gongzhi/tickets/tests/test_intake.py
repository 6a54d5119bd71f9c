import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.testing import tiny_image
from gongzhi.tickets import services
from gongzhi.tickets.duplicates import suggest_duplicates
from gongzhi.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db
PNG = tiny_image("PNG")
JPEG = tiny_image("JPEG")


def test_idempotency_key_creates_one_ticket(world, submit):
    a = submit(idempotency_key="k-1")
    b = submit(idempotency_key="k-1")
    assert a.pk == b.pk and Ticket.objects.count() == 1
    # The same key from another user is another ticket.
    c = submit(actor=world.users["street"], idempotency_key="k-1")
    assert c.pk != a.pk


def test_12345_number_required_and_unique(world, submit):
    with pytest.raises(ValidationError) as e:
        submit(channel="12345")
    assert "必须填写12345工单号" in str(e.value)
    submit(channel="12345", external_no="2026110500123")
    with pytest.raises(ValidationError) as e:
        submit(channel="12345", external_no="2026110500123")
    assert "已登记" in str(e.value)


def test_validation_messages_are_chinese(world, submit, cats):
    with pytest.raises(ValidationError) as e:
        submit(description="短", reporter_phone="123")
    d = e.value.message_dict
    assert "至少5个字" in d["description"][0] and "联系电话" in d["reporter_phone"][0]
    with pytest.raises(ValidationError) as e:
        submit(category=None)
    assert "诉求分类" in str(e.value)
    with pytest.raises(ValidationError):
        submit(household=None, community=world.community_a, address="")


def test_residents_self_service_is_rate_limited(world, cats):
    r = world.users["resident_a1"]
    for i in range(3):
        services.ticket_submit(actor=r, channel="self", category=cats["repair"], description=f"第{i}件事情需要处理")
    with pytest.raises(ValidationError) as e:  # per address: 3 per hour
        services.ticket_submit(actor=r, channel="self", category=cats["repair"], description="第四件事情需要处理")
    assert "该地址一小时内" in str(e.value)
    for i in range(2):
        services.ticket_submit(actor=r, channel="self", category=cats["repair"], node=world.compound_a,
                               description=f"小区里的第{i}件事")
    with pytest.raises(ValidationError) as e:  # per account: 5 per hour
        services.ticket_submit(actor=r, channel="self", category=cats["repair"], node=world.building_a1,
                               description="楼栋里的一件事")
    assert "每个账号每小时" in str(e.value)


def test_self_service_needs_a_home_and_stays_in_it(world, cats):
    with pytest.raises(PermissionDenied):
        services.ticket_submit(actor=world.users["nobody"], channel="self", category=cats["repair"],
                               description="我想反映一个问题")
    with pytest.raises(PermissionDenied):
        services.ticket_submit(actor=world.users["resident_a1"], channel="self", category=cats["repair"],
                               community=world.community_b, address="乙社区", description="别的社区的事情")


def test_staff_cannot_file_outside_their_area(world, submit):
    with pytest.raises(PermissionDenied):
        submit(actor=world.users["community_b"])
    with pytest.raises(PermissionDenied):
        submit(actor=world.users["grid_a2"])  # hh_a1 is in grid A1
    assert submit(actor=world.users["grid_a1"]).grid_id == world.grid_a1.pk


def test_photos_type_size_and_count(world, submit):
    t = submit(photos=[SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.jpg", JPEG)])
    assert [a.content_type for a in Attachment.objects.filter(ticket=t)] == ["image/png", "image/jpeg"]
    with pytest.raises(ValidationError) as e:
        submit(photos=[SimpleUploadedFile("x.jpg", b"<?php evil")])
    assert "不是JPEG、PNG或WebP" in str(e.value)
    big = SimpleUploadedFile("big.jpg", JPEG + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as e:
        submit(photos=[big])
    assert "超过5MB" in str(e.value)
    with pytest.raises(ValidationError):
        submit(photos=[SimpleUploadedFile(f"{i}.png", PNG) for i in range(7)])


def test_duplicates_suggested_by_place_and_text(world, submit, cats):
    a = submit(description="幸福小区1栋楼道声控灯坏了，晚上看不见")
    submit(description="乙社区垃圾没人清运", actor=world.users["community_b"], household=world.hh_b1)
    found = suggest_duplicates(user=world.users["community_a"], node_path=world.hh_a2.node_path, text="1栋楼道的声控灯坏了")
    assert [t.pk for t, _ in found] == [a.pk]
    assert not suggest_duplicates(user=world.users["community_a"], node_path=world.hh_a2.node_path, text="小区停车太乱了")
    old = submit(description="楼道声控灯又坏了")
    Ticket.objects.filter(pk=old.pk).update(created_at=old.created_at - datetime.timedelta(days=60))
    assert old.pk not in [t.pk for t, _ in suggest_duplicates(user=world.users["community_a"], node_path=world.hh_a1.node_path, text="楼道声控灯坏了")]
