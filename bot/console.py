"""What the commands share: the configured settings and engine, and progress bars on stderr."""

from __future__ import annotations

import sys
from typing import Any

import click

from bot.config import Settings, load_settings


class Progress:
    """tqdm bars on stderr, one per indexing stage; stdout stays clean for --json."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            if total <= 0:
                return
            bar = self._tqdm(total=total, desc=stage, unit="item", file=sys.stderr, leave=False,
                             disable=None)
            self._bars[stage] = bar
        bar.total = max(total, 1)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            del self._bars[stage]


def settings_of(ctx: click.Context) -> Settings:
    """The settings the command group loaded (or the defaults, for a command run on its own)."""
    return ctx.find_object(Settings) or load_settings(None)


def engine_of(ctx: click.Context) -> Any:
    """The configured engine, built on first use with progress bars."""
    from bot.runtime import open_engine

    return open_engine(settings_of(ctx), Progress())
