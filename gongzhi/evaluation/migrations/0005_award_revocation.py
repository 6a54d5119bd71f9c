"""Award revocation: who/when/why on YearAward; the unique constraints hold among current awards only, so a
year can be granted again after its awards are revoked."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0004_sheet_current_per_person_constraint'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='yearaward',
            name='award_once_per_subject',
        ),
        migrations.RemoveConstraint(
            model_name='yearaward',
            name='award_rank_unique',
        ),
        migrations.AddField(
            model_name='yearaward',
            name='revoke_reason',
            field=models.TextField(blank=True, verbose_name='撤销原因'),
        ),
        migrations.AddField(
            model_name='yearaward',
            name='revoked_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='撤销时间'),
        ),
        migrations.AddField(
            model_name='yearaward',
            name='revoked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='yearaward',
            constraint=models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('rule_set', 'year', 'subject_key'), name='award_once_per_subject'),
        ),
        migrations.AddConstraint(
            model_name='yearaward',
            constraint=models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('rule_set', 'year', 'rank'), name='award_rank_unique'),
        ),
    ]
