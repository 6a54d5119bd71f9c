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


    def send_many(self, batches: list[tuple[list, Message]]) -> None:
        """Many messages at once (a batch job); a sender that can do better overrides it."""
        for users, message in batches:
            self.send(users, message)


class InboxSender(Sender):
    def send(self, users: list, message: Message) -> None:
        self.send_many([(users, message)])

    def send_many(self, batches: list[tuple[list, Message]]) -> None:
        Notification.objects.bulk_create(
            [Notification(user=u, title=message.title[:200], body=message.body, url=message.url[:300],
                          kind=message.kind[:40]) for users, message in batches for u in users]
        )


def _senders() -> list[Sender]:
    return [import_string(path)() for path in getattr(settings, "NOTIFICATION_SENDERS", [])] or [InboxSender()]


def _targets(users: Iterable) -> list:
    seen, targets = set(), []
    for u in users:
        if u is not None and u.pk not in seen and u.is_active:
            seen.add(u.pk)
            targets.append(u)
    return targets


def notify(users: Iterable, title: str, body: str = "", url: str = "", kind: str = "") -> int:
    """Send one message to each distinct active user; returns how many were addressed."""
    return notify_many([(users, Message(title=title, body=body, url=url, kind=kind))])


def notify_many(items: Iterable[tuple[Iterable, Message]]) -> int:
    """`notify` for many messages (a batch job): one write per sender, not one per message."""
    batches = [(targets, msg) for users, msg in items if (targets := _targets(users))]
    if batches:
        for sender in _senders():
            sender.send_many(batches)
    return sum(len(t) for t, _m in batches)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
