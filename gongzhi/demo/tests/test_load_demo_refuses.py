"""load_demo refuses a database it did not create (a real site) unless --force; apart from
test_load_demo.py, whose module-wide demo would be visible here."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.accounts.models import User


@pytest.mark.django_db
def test_refuses_a_database_it_did_not_create():
    User.objects.create_superuser("real_admin", password="Real-Site-2026")
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", "--skip-hooks", stdout=io.StringIO())
    assert not User.objects.filter(username="demo_admin").exists()


@pytest.mark.django_db
def test_an_empty_database_is_fine_and_force_overrides():
    from gongzhi.demo.management.commands.load_demo import foreign_data

    assert not foreign_data()
    User.objects.create_superuser("real_admin", password="Real-Site-2026")
    assert foreign_data()
