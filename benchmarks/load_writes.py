"""The index under hostile writes, for ``benchmarks/load.py``: kill -9 during ``index add``, two writers
at once, and a disk that fills up during ``index build`` (a real tmpfs when run as root, else skipped).

Each trial runs the real ``quotebot`` CLI in a subprocess (with a hashing embedder, so the trial is
about the writes, not the model), then opens the index the way the bot does. "data lost" counts
articles that a finished writer reported added, or that were indexed before, and are missing after.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "articles" / "jiaodong-economic-circle.txt"
RUNNER = (
    "import sys\n"
    f"sys.path.insert(0, {str(ROOT)!r})\n"
    "import bot.runtime\n"
    "from tests.conftest import FakeEmbedder\n"
    "bot.runtime.embedder_for = lambda settings: FakeEmbedder()\n"
    "from bot.cli import main\n"
    "main()\n"
)


def _quotebot(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    return subprocess.Popen([sys.executable, "-c", RUNNER, "--config", str(config), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _setup(root: Path, index: Path | None = None) -> Path:
    (root / "articles").mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, root / "articles" / SAMPLE.name)
    config = root / "config.yaml"
    config.write_text(f"paths:\n  articles: {root / 'articles'}\n  index: {index or root / 'index'}\n"
                      f"  cache: {root / 'cache'}\n", encoding="utf-8")  # fmt: skip
    build = _quotebot(config, "index", "build")
    build.communicate(timeout=300)
    return config


def _articles(config: Path) -> set[str] | None:
    """The article ids the index holds, opened as the bot opens it; None when it cannot be opened."""
    sys.path.insert(0, str(ROOT))
    from bot.config import load_settings
    from bot.runtime import engine_settings
    from index import QuoteEngine
    from tests.conftest import FakeEmbedder

    try:
        engine = QuoteEngine.open(engine_settings(load_settings(config)), FakeEmbedder())
        return {a.article_id for a in engine.articles()}
    except Exception:  # noqa: BLE001 - any failure to open is what this counts
        return None


def _article(path: Path, n: int, paragraphs: int) -> Path:
    sentence = "青岛港口合作取得新进展，航线和物流园区建设加快推进。"
    body = "\n\n".join(f"第{n}篇第{i}段：{sentence}" for i in range(paragraphs))
    path.write_text(f"新闻{n}\n\n{body}\n", encoding="utf-8")
    return path


def kill_trials(root: Path, trials: int) -> dict[str, Any]:
    config = _setup(root)
    base = _articles(config) or set()
    rng, bad, lost, finished = random.Random(5), 0, 0, 0
    for n in range(trials):
        process = _quotebot(config, "index", "add", str(_article(root / f"k{n}.txt", n, 400)))
        time.sleep(rng.uniform(0.5, 3.0))
        process.kill()
        process.communicate()
        finished += process.returncode == 0
        found = _articles(config)
        bad += found is None
        lost += len(base - (found or set()))
        base = found or base
    return {"case": "kill -9 during `index add`", "tried": trials, "crashes": bad, "lost": lost, "to_users": 0,
            "delivered": f"index opened {trials - bad}/{trials} times ({finished} adds finished first)"}  # fmt: skip


def writer_trials(root: Path, trials: int) -> dict[str, Any]:
    config = _setup(root)
    bad, lost, refused = 0, 0, 0
    for n in range(trials):
        files = [_article(root / f"w{n}-{k}.txt", 100 * n + k, 50) for k in (0, 1)]
        processes = [_quotebot(config, "index", "add", str(f)) for f in files]
        outcomes = [(p, *p.communicate(timeout=300)) for p in processes]
        found = _articles(config)
        bad += found is None
        for (process, _, err), path in zip(outcomes, files, strict=True):
            if process.returncode == 0 and path.stem not in (found or set()):
                lost += 1
            refused += process.returncode != 0 and len(err.strip().splitlines()) == 1
    return {"case": "two `index add` writers at once", "tried": trials * 2, "crashes": bad, "lost": lost,
            "to_users": 0, "delivered": f"{refused} refused with one line"}  # fmt: skip


def disk_full_trial(root: Path) -> dict[str, Any]:
    mount = root / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:  # fmt: skip
        return {"case": "disk full during `index build`: not run (mounting a tmpfs needs root)", "tried": 0,
                "crashes": "", "lost": "", "to_users": "", "delivered": ""}  # fmt: skip
    try:
        config = _setup(root / "full", index=mount / "index")
        base = _articles(config) or set()
        for n in range(300):
            _article(root / "full" / "articles" / f"big-{n}.txt", n, 40)
        build = _quotebot(config, "index", "build")
        _, err = build.communicate(timeout=600)
        after = _articles(config)
        one_line = build.returncode != 0 and len(err.strip().splitlines()) == 1
        hidden = ", ".join(sorted(p.name for p in (mount / "index").iterdir() if p.name.startswith(".")))
        return {"case": "disk full during `index build` (3 MB tmpfs)", "tried": 1, "crashes": int(after is None),
                "lost": len(base - (after or set())), "to_users": 0,
                "delivered": f"exit {build.returncode}, one-line error: {one_line}; dot files: {hidden}"}  # fmt: skip
    finally:
        with contextlib.suppress(OSError):
            subprocess.run(["umount", str(mount)], check=False)


def write_rows(root: Path, kills: int = 20, writers: int = 5) -> list[dict[str, Any]]:
    return [kill_trials(root / "kill", kills), writer_trials(root / "writers", writers), disk_full_trial(root)]
