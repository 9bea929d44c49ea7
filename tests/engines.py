"""The real engine (with the fake embedder) over small articles written for the tests, and a thin
wrapper that can hold a question or an index update in mid-flight, or fail a question on purpose."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from index import Answer, EngineSettings, IndexReport, QuoteEngine, directory
from index.manifest import MANIFEST
from index.settings import DEFAULT_LIMITS, IngestLimits
from tests.conftest import FakeEmbedder

# A short report in the sample article's shape: headline, lead, city sections, who said what.
ARTICLE = """潍烟威日四市党政考察团来青考察

本报讯 5月14日至15日，潍坊、烟台、威海、日照四市党政考察团来青岛考察，四市表示将加强与青岛的合作。

烟台:对接青岛就是对接世界

5月14日，烟台市委书记张术平率领烟台市党政考察团来青考察。张术平表示，对接青岛就是对接世界，烟台将主动融入青岛都市圈。

威海:将积极接轨青岛

威海市委书记张海波说，威海与青岛合作基础扎实，双方在港口、产业等方面互补性强。

威海将积极接轨青岛，在交通设施、市场要素等方面加强对接。

日照:打造南翼支点

日照市委书记张惠表示，日照愿与青岛携手打造胶东经济圈的南翼支点。
"""
ARTICLE_TITLE = "潍烟威日四市党政考察团来青考察"
WEIHAI_QUOTE = "威海与青岛合作基础扎实"
YANTAI_QUOTE = "对接青岛就是对接世界"

# Every paragraph closes with the same sentence, as minutes of meetings do.
MEETINGS = "港口合作会议纪要\n\n" + "\n\n".join(
    [f"{city}今年新开集装箱航线{n}条，物流园区投入使用，吞吐量比去年增长{n}成。会议由市长主持。"
     for n, city in enumerate(["青岛", "烟台", "威海", "日照", "潍坊", "东营", "滨州", "临沂"], start=3)]
    + [f"{city}的港口会议由市长{name}主持，研究了航线和园区。" for city, name in
       [("莱阳", "王大山"), ("海阳", "李小川"), ("栖霞", "赵明"), ("龙口", "孙亮")]]
) + "\n"
MEETINGS_QUESTION = "会议由谁主持"


class HeldEngine:
    """A :class:`QuoteEngine` whose questions and updates a test can hold, or make fail."""

    def __init__(self, engine: QuoteEngine) -> None:
        self.engine = engine
        self._held: dict[str, threading.Event] = {}
        self.question_started = threading.Event()
        self.hold_updates: threading.Event | None = None
        self.update_started = threading.Event()
        self.asked: list[str] = []
        self.fail_on: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    @property
    def articles_dir(self) -> Path:
        return self.engine.articles_dir

    def hold_question(self, question: str) -> threading.Event:
        """Make ``ask(question)`` wait until the returned event is set."""
        event = threading.Event()
        self._held[question] = event
        return event

    def ask(self, question: str, top_k: int = 3, cursor: str | None = None) -> Answer:
        self.asked.append(question)
        if self.fail_on is not None and self.fail_on in question:
            raise RuntimeError("the engine was told to fail on this question")
        held = self._held.get(question)
        if held is not None:
            self.question_started.set()
            held.wait(10)
        return self.engine.ask(question, top_k, cursor)

    def _updating(self) -> None:
        self.update_started.set()
        if self.hold_updates is not None:
            self.hold_updates.wait(10)

    def add_files(self, paths: Sequence[Path]) -> IndexReport:
        self._updating()
        return self.engine.add_files(paths)

    def add_urls(self, urls: Sequence[str]) -> IndexReport:
        self._updating()
        return self.engine.add_urls(urls)

    def rebuild(self, folders: Sequence[Path] | None = None, force: bool = False) -> IndexReport:
        self._updating()
        return self.engine.rebuild(folders, force)


def make_engine(
    folder: Path, text: str = ARTICLE, name: str = "jiaodong.txt", limits: IngestLimits = DEFAULT_LIMITS
) -> HeldEngine:
    """The real engine over a fresh articles folder holding ``text`` (its index and cache beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    root = folder.parent
    settings = EngineSettings(root / f"{folder.name}-index", root / f"{folder.name}-cache", folder, limits=limits)
    return HeldEngine(QuoteEngine.open(settings, FakeEmbedder()))


def fail_manifest_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every write of manifest.json fail as a full disk would; other index files are written."""
    real = directory.write_atomic

    def crash_on_manifest(path: Path, data: bytes) -> None:
        if path.name == MANIFEST:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(directory, "write_atomic", crash_on_manifest)
