import datetime

import pytest
from django.db import connection

from gongzhi.core.testing import race
from gongzhi.evaluation import services
from gongzhi.evaluation.models import ScoreSheet


@pytest.mark.django_db(transaction=True)
def test_same_submission_twice_at_once_counts_once(hd):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    p = hd.open(datetime.date(2024, 1, 1))
    juror = hd.jurors["c1"]
    subject = p.subjects.first()
    san = p.version.items.get(position=7)

    def send(_i):
        return services.sheet_submit(actor=juror.user, period=p, subject_id=subject.pk,
                                     client_key="same-key-0001", values={san.pk: 6}).created

    outcomes = race(4, send)
    assert sorted(outcomes) == [False, False, False, True]
    assert ScoreSheet.objects.filter(subject=subject).count() == 1
