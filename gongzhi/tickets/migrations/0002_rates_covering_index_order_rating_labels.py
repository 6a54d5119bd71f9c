"""The rates' covering index replaces the plain (node_path, created_at) one; 四单 ratings get labels.

On PostgreSQL the index is built and the old one dropped CONCURRENTLY (no write lock on a 10M-row
table; several minutes there), hence atomic = False. SQLite builds a plain index (it has no INCLUDE).
After building it on a loaded table, run `VACUUM (ANALYZE) tickets_ticket` once (autovacuum does it
later on its own) so the visibility map lets the rates use an index-only scan."""

from django.db import migrations, models

from gongzhi.core.migration_ops import AddIndexConcurrentlyOnPostgres, RemoveIndexConcurrentlyOnPostgres

import gongzhi.tickets.models_orders


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["node_path", "created_at"], name="ticket_place_created_cov",
                               include=("status", "kind", "rating", "respond_by", "responded_at", "resolve_by",
                                        "resolved_at", "resolved_level")),
        ),
        RemoveIndexConcurrentlyOnPostgres(
            model_name="ticket",
            name="ticket_place_created",
        ),
        migrations.AlterField(
            model_name="serviceorder",
            name="rating",
            field=models.CharField(blank=True, choices=gongzhi.tickets.models_orders._rating_choices, max_length=12,
                                   verbose_name="评价"),
        ),
    ]
