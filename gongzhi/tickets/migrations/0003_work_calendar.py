"""The work calendar (holidays and 调休 working days) for working-day SLA deadlines, with the State
Council's 2026 arrangement loaded (later years: admin page or `manage.py load_holidays --csv`)."""

from django.db import migrations, models


def load_2026(apps, schema_editor):
    from gongzhi.tickets.holidays import OFFICIAL, calendar_load

    calendar_load(OFFICIAL[2026], model=apps.get_model("tickets", "WorkCalendarDay"))


def unload_2026(apps, schema_editor):
    from gongzhi.tickets.holidays import OFFICIAL

    model = apps.get_model("tickets", "WorkCalendarDay")
    model.objects.filter(date__in=[r.date for r in OFFICIAL[2026]]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0002_rates_covering_index_order_rating_labels'),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkCalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='日期')),
                ('is_workday', models.BooleanField(default=False, help_text='勾选：调休上班日（周末上班）；不勾选：放假日。', verbose_name='上班')),
                ('name', models.CharField(blank=True, help_text='如：国庆节、春节（调休上班）', max_length=40, verbose_name='名称')),
            ],
            options={
                'verbose_name': '工作日历（节假日/调休）',
                'verbose_name_plural': '工作日历（节假日/调休）',
                'ordering': ['date'],
            },
        ),
        migrations.AlterField(
            model_name='category',
            name='working_days',
            field=models.BooleanField(default=False, help_text='勾选后，时限只计工作日：周一至周五，扣除工作日历中的法定节假日，计入调休上班的周末。', verbose_name='按工作日计时'),
        ),
        migrations.RunPython(load_2026, unload_2026),
    ]
