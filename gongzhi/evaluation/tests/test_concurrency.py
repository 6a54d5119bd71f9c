import datetime
import threading

import pytest
from django.db import connection

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
    barrier = threading.Barrier(4)
    outcomes = []

    def send():
        try:
            barrier.wait()
            res = services.sheet_submit(actor=juror.user, period=p, subject_id=subject.pk,
                                        client_key="same-key-0001", values={san.pk: 6})
            outcomes.append(res.created)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False, False, False, True]
    assert ScoreSheet.objects.filter(subject=subject).count() == 1
