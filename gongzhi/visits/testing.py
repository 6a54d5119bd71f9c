"""Helpers for tests and the demo: a key-group resident and a quick visit."""

from django.utils import timezone

from gongzhi.people.models import Resident, ResidentTag


def tagged_resident(household, name: str, *tags: str, relation: str = "head", phone: str = "") -> Resident:
    r = Resident.objects.create(household=household, name=name, relation=relation, phone=phone)
    ResidentTag.objects.bulk_create([ResidentTag(resident=r, tag=t) for t in tags])
    return r


def now():
    return timezone.now()
