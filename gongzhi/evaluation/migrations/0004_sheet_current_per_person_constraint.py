"""The constraint of 0003, in its own migration (its own transaction): on PostgreSQL an ALTER TABLE after an
UPDATE of the same table in one transaction can fail with "pending trigger events"."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0003_sheet_current_per_person"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='scoresheet',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('subject', 'submitted_by'), name='sheet_one_current_per_person'),
        ),
    ]
