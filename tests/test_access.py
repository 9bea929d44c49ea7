"""Admins, the chat allow-list and the per-user rate limit."""

from __future__ import annotations

from bot.access import Access, RateLimiter


def test_everyone_is_served_without_an_allow_list() -> None:
    access = Access(admins=[1], allowed_chats=[])
    assert access.allows(-100, 5) and access.allows(None, 5)
    assert access.is_admin(1) and not access.is_admin(5) and not access.is_admin(None)


def test_allow_list_admits_listed_chats_and_admins_private_chats() -> None:
    access = Access(admins=[1], allowed_chats=[-100, 7])
    assert access.allows(-100, 5)
    assert access.allows(7, 7)
    assert access.allows(1, 1)  # an admin's private chat
    assert not access.allows(-200, 1)  # an admin in an unlisted group
    assert not access.allows(5, 5)
    # Inline queries have no chat: the user's own private chat stands for it.
    assert access.allows(None, 7) and access.allows(None, 1) and not access.allows(None, 5)
    assert not access.allows(None, None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_is_a_sliding_window_per_user() -> None:
    clock = Clock()
    limiter = RateLimiter(messages=2, per_seconds=10, clock=clock)
    assert limiter.hit(1).allowed
    clock.now += 4
    assert limiter.hit(1).allowed
    refused = limiter.hit(1)
    assert not refused.allowed and refused.notify and refused.wait == 6
    # Other users have their own window.
    assert limiter.hit(2).allowed
    clock.now += 6
    assert limiter.hit(1).allowed
    assert not limiter.hit(1).allowed


def test_rate_limit_notifies_once_per_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(messages=1, per_seconds=10, clock=clock)
    limiter.hit(1)
    assert limiter.hit(1).notify
    clock.now += 5
    second = limiter.hit(1)
    assert not second.allowed and not second.notify
    clock.now += 5
    assert limiter.hit(1).allowed
    assert limiter.hit(1).notify


def test_idle_users_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(messages=5, per_seconds=10, clock=clock)
    for user in range(999):
        limiter.hit(user)
    clock.now += 11
    limiter.hit(5000)
    assert set(limiter._log) == {5000}
