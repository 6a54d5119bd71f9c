"""Notifications behind one interface. The in-app inbox is always on; an SMS or WeChat sender can be
added later by listing its class in settings.NOTIFICATION_SENDERS. Tests never send anything outside."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Notification


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""
    kind: str = ""


class Sender:
    """Implement `send(users, message)`; it must not raise for one bad recipient."""

    def send(self, users: list, message: Message) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class InboxSender(Sender):
    def send(self, users: list, message: Message) -> None:
        Notification.objects.bulk_create(
            [Notification(user=u, title=message.title[:200], body=message.body, url=message.url[:300],
                          kind=message.kind[:40]) for u in users]
        )


def _senders() -> list[Sender]:
    return [import_string(path)() for path in getattr(settings, "NOTIFICATION_SENDERS", [])] or [InboxSender()]


def notify(users: Iterable, title: str, body: str = "", url: str = "", kind: str = "") -> int:
    """Send one message to each distinct active user; returns how many were addressed."""
    seen, targets = set(), []
    for u in users:
        if u is not None and u.pk not in seen and u.is_active:
            seen.add(u.pk)
            targets.append(u)
    if targets:
        msg = Message(title=title, body=body, url=url, kind=kind)
        for sender in _senders():
            sender.send(targets, msg)
    return len(targets)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
