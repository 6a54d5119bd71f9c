"""An index on (created_at, id) for the public Open311 list, newest first over the whole city (it
read the whole table before). Built CONCURRENTLY on PostgreSQL: no write lock on a large table."""

from django.db import migrations, models

from gongzhi.core.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0006_partial_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["created_at", "id"], name="ticket_created"),
        ),
    ]
