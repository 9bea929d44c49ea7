"""Indexing progress: items done, rate and time left per stage, on one terminal line or plain lines."""

from __future__ import annotations

import io

from bot.console import Progress


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_gets_one_rewritten_line_with_rate_and_time_left() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock, is_tty=True)
    progress("embedding", 0, 1000)
    progress("embedding", 400, 1000)  # the embedding cache's vectors, counted at once
    clock.now += 10
    progress("embedding", 500, 1000)  # then 10 items a second
    clock.now += 10
    progress("embedding", 600, 1000)
    frames = out.getvalue().split("\r")[1:]
    assert all(frame.endswith("\x1b[K") for frame in frames)  # rewritten in place, no new lines
    assert "\n" not in out.getvalue()
    assert frames[0].startswith("embedding: 0/1,000 (0%), measuring the rate")
    assert frames[-1] == "embedding: 600/1,000 (60%), 10.0/s, 40 s left\x1b[K"


def test_a_stage_ends_with_its_own_line_and_total_time() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock, is_tty=True)
    progress("reading", 0, 3)
    clock.now += 1
    progress("reading", 1, 3)
    clock.now += 124
    progress("reading", 3, 3)
    # 2 min 05 s since the stage started; 2 items in the 124 s since the first item.
    assert out.getvalue().endswith("\rreading: 3/3 in 2 min 05 s, 0.02/s\x1b[K\n")
    # A stage of nothing shows nothing.
    progress("embedding", 0, 0)
    assert "embedding" not in out.getvalue()


def test_plain_lines_when_not_a_terminal_at_most_every_interval() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock, is_tty=False, interval=10)
    progress("embedding", 0, 100)
    for _ in range(30):  # one item a second for 30 seconds
        clock.now += 1
        progress("embedding", int(clock.now - 100), 100)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert lines == [
        "embedding: 10/100 (10%), 1.0/s, 1 min 30 s left",
        "embedding: 20/100 (20%), 1.0/s, 1 min 20 s left",
        "embedding: 30/100 (30%), 1.0/s, 1 min 10 s left",
    ]
    clock.now += 3600
    progress("embedding", 100, 100)
    assert out.getvalue().splitlines()[-1] == "embedding: 100/100 in 1 h 00 min, 0.03/s"


def test_the_rate_follows_the_last_window_not_the_whole_stage() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock, is_tty=True, window=30)
    progress("embedding", 0, 10_000)
    for _ in range(60):  # 100 items a second for a minute…
        clock.now += 1
        progress("embedding", 100 * int(clock.now - 100), 10_000)
    done = 6000
    for _ in range(60):  # …then 10 a second: the rate and the time left follow within the window
        clock.now += 1
        done += 10
        progress("embedding", done, 10_000)
    assert out.getvalue().rsplit("\r", 1)[-1] == "embedding: 6,600/10,000 (66%), 10.0/s, 5 min 40 s left\x1b[K"


def test_a_short_stage_writes_nothing_to_a_log() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock, is_tty=False, interval=10)
    progress("saving", 0, 1)
    clock.now += 3
    progress("saving", 1, 1)
    assert out.getvalue() == ""


def test_stages_are_shown_independently() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = Progress(out, clock, is_tty=False, interval=0)
    progress("reading", 0, 2)
    progress("embedding", 0, 4)
    clock.now += 2
    progress("reading", 2, 2)
    clock.now += 2
    progress("embedding", 2, 4)
    assert out.getvalue().splitlines()[-2:] == ["reading: 2/2 in 2 s", "embedding: 2/4 (50%), measuring the rate"]
