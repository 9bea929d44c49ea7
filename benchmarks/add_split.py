"""Where a fresh ``quotebot index add`` spends its time: the real command, split into its parts.

Run by hand in a fresh process, on a COPY of an index and its cache folder (the add changes both):

    python benchmarks/add_split.py --config CONFIG index add FILE

It runs the console command in this process (the thread defaults of ``bot.launch`` first) and prints
one JSON line of wall and CPU seconds (``getrusage``): the imports of ``bot.cli``; opening the index
(``bot.runtime.open_engine``); reading the file and finding its people and statements
(``Indexer.chunk``: jieba's tagger, who-said-what's patterns); the BM25 terms (``Analyzer.terms_many``);
the embedding (``Indexer.embed``: nothing but cache look-ups when every chunk is cached); the save
(``QuoteEngine._commit``); and ``other``, what lies between (click, the config, learning the new names).
Prefix ``PYTHONPATH=OTHER_CHECKOUT`` to time another checkout's code with the same environment.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    wall0, cpu0 = time.perf_counter(), _cpu()
    from bot.launch import set_thread_defaults

    set_thread_defaults()
    import bot.cli

    parts: dict[str, list[float]] = {"imports": [time.perf_counter() - wall0, _cpu() - cpu0]}
    import bot.runtime
    import index.engine
    import index.indexing
    import index.normalization

    def timed(owner: Any, name: str, part: str) -> None:
        real: Callable[..., Any] = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return real(*args, **kwargs)
            finally:
                spent = parts.setdefault(part, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += _cpu() - cpu

        setattr(owner, name, wrapper)

    timed(bot.runtime, "open_engine", "open")
    timed(index.indexing.Indexer, "chunk", "read_and_speakers")
    timed(index.normalization.Analyzer, "terms_many", "terms")
    timed(index.indexing.Indexer, "embed", "embed")
    timed(index.engine.QuoteEngine, "_commit", "save")
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            bot.cli.cli.main(sys.argv[1:], prog_name="quotebot", standalone_mode=False)
    except SystemExit:
        pass
    whole = [time.perf_counter() - wall0, _cpu() - cpu0]
    parts["other"] = [whole[i] - sum(p[i] for p in parts.values()) for i in (0, 1)]
    parts["whole"] = whole
    result: dict[str, Any] = {name: [round(v, 3) for v in spent] for name, spent in parts.items()}
    result["before_main_s"] = round(wall0 - STARTED, 3)
    result["output"] = output.getvalue().strip().splitlines()[-1:]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
