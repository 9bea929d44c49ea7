"""What the commands share: the configured settings and engine, and progress bars on stderr."""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import click

from bot.config import Settings, load_settings


class Progress:
    """Indexing progress on stderr, per stage: items done of the total, items per second and the time left.

    On a terminal one line is rewritten in place; elsewhere (a log, a pipe) a plain line is written
    every ``interval`` seconds of a stage, and one when it ends, so a stage shorter than that writes
    nothing there. stdout stays clean for --json.
    The rate is measured over the last ``window`` seconds, so cached items counted at once at the start
    of a stage do not make the time left look shorter than it is.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        is_tty: bool | None = None,
        interval: float = 10.0,
        window: float = 30.0,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.is_tty = _is_tty(self.stream) if is_tty is None else is_tty
        self.interval = interval
        self.window = window
        self._stages: dict[str, _Stage] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        state = self._stages.get(stage)
        if state is None:
            if total <= 0:
                return
            state = self._stages[stage] = _Stage(started=now, samples=deque())
        else:
            # The rate counts from the second report on: the first one after the start may count
            # many items at once (those the embedding cache already had).
            state.first = state.first or (now, done)
            state.samples.append((now, done))
            while len(state.samples) > 2 and now - state.samples[1][0] >= self.window:
                state.samples.popleft()
        finished = done >= total
        if finished:
            del self._stages[stage]
            if not self.is_tty and state.shown is None:
                return  # a stage too short to report in a log is not reported when it ends either
            line = f"{stage}: {done:,}/{total:,} in {_duration(now - state.started)}"
            rate = _rate([state.first, (now, done)]) if state.first else 0.0
            self._write(line + (f", {_per_second(rate)}" if rate else ""), final=True)
            return
        if not self.is_tty and now - (state.shown if state.shown is not None else state.started) < self.interval:
            return
        state.shown = now
        rate = _rate(list(state.samples)) if len(state.samples) >= 2 else 0.0
        parts = [f"{stage}: {done:,}/{total:,} ({100 * done // max(total, 1)}%)"]
        if rate:
            parts.append(_per_second(rate))
            parts.append(f"{_duration((total - done) / rate)} left")
        else:
            parts.append("measuring the rate")
        self._write(", ".join(parts), final=False)

    def _write(self, line: str, final: bool) -> None:
        if self.is_tty:
            # Back to the line's start, the new text, then clear what a longer line left behind.
            self.stream.write(f"\r{line}\x1b[K" + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class _Stage:
    started: float
    samples: deque[tuple[float, int]]
    first: tuple[float, int] | None = None
    shown: float | None = None


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _rate(samples: list[tuple[float, int]]) -> float:
    """Items per second between the first and the last sample; 0 when that cannot be told yet."""
    (t0, n0), (t1, n1) = samples[0], samples[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 and n1 > n0 else 0.0


def _per_second(rate: float) -> str:
    digits = 2 if rate < 1 else 1 if rate < 100 else 0
    return f"{rate:,.{digits}f}/s"


def _duration(seconds: float) -> str:
    """3 s, 2 min 05 s, 1 h 02 min."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def settings_of(ctx: click.Context) -> Settings:
    """The settings the command group loaded (or the defaults, for a command run on its own)."""
    return ctx.find_object(Settings) or load_settings(None)


def engine_of(ctx: click.Context, embedder: Any = None) -> Any:
    """The configured engine, built on first use with progress bars (with ``embedder``, if given)."""
    from bot.runtime import open_engine

    return open_engine(settings_of(ctx), Progress(), embedder)
