"""core.db.prepared_cursor: prepared statements survive a migration made by another process."""

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def test_a_prepared_read_is_prepared_again_after_another_process_alters_its_table(world):
    from gongzhi.territory.scoping import _assignment_rows
    from gongzhi.tickets.selectors import _household_with_place

    user, today = world.users["grid_a1"], timezone.localdate()
    expected = (_household_with_place(world.hh_a1.pk).node_path, sorted(_assignment_rows(user.pk, today)))
    s = connection.settings_dict
    other = psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], dbname=s["NAME"], autocommit=True)
    other.execute('ALTER TABLE territory_node ALTER COLUMN path TYPE varchar(80) COLLATE "C"')
    try:
        for _ in range(3):  # the first call meets "cached plan must not change result type", then no more
            assert (_household_with_place(world.hh_a1.pk).node_path,
                    sorted(_assignment_rows(user.pk, today))) == expected
    finally:
        other.execute('ALTER TABLE territory_node ALTER COLUMN path TYPE varchar(64) COLLATE "C"')
        other.close()
