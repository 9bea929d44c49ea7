"""A fresh `quotebot index add` loads only what adding an article needs (issue 13: its fixed costs).

Each command runs in its own interpreter, as a user's would, with a small hashing embedder in place of
the model; the add then reports which of the heavy modules it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SAMPLE

# Answering, the vector library, the other backends and the Telegram side: none is needed to add a file.
NOT_NEEDED = ("faiss", "torch", "sentence_transformers", "telegram", "pymilvus", "index.search",
              "index.answering", "index.quoting", "index.subscriptions", "numpy.ma", "pkg_resources",
              # who-said-what's question side: its patterns cost a fresh add time (index.speakers.extraction)
              "index.attribution", "index.speakers.attribution", "index.speakers.questions",
              "index.speakers.matching")

SCRIPT = """
import json, sys
import numpy as np
import bot.runtime
from index.embedders import normalise_rows

class Hashing:
    name, dim = "test:hashing-32", 32

    def encode_queries(self, texts):
        return self.encode_passages(texts)

    def encode_passages(self, texts):
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for char in text:
                rows[i, ord(char) % self.dim] += 1.0
        return normalise_rows(rows)

bot.runtime.embedder_for = lambda settings: Hashing()
from bot.cli import cli
try:
    cli.main(sys.argv[2:], prog_name="quotebot")
except SystemExit as exc:
    code = exc.code
watched = sys.argv[1].split(",")
from index.normalization import _BASE
entries = len(_BASE[0].FREQ) if _BASE else 0  # jieba's dictionary entries the process read
print(json.dumps({"code": code, "loaded": [m for m in watched if m in sys.modules], "entries": entries}))
"""


def quotebot(config: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(NOT_NEEDED), "--config", str(config), *args],
        cwd=config.parent, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_fresh_add_imports_neither_answering_nor_faiss_nor_torch(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    config = tmp_path / "config.yaml"
    config.write_text("paths:\n  index: data/index\n  cache: data/cache\n", encoding="utf-8")
    assert quotebot(config, "index", "build")["code"] == 0
    added = tmp_path / "today.txt"
    added.write_text("今日新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。港口负责人王明说，明年还要扩建码头。\n",
                     encoding="utf-8")
    result = quotebot(config, "index", "add", str(added))
    assert result["code"] == 0 and result["loaded"] == []
    # Of jieba's 498k dictionary entries, it read those the article needed (index.word_store).
    assert 0 < result["entries"] < 5_000
    # The index it wrote answers from the new article in a process that does load answering.
    asked = quotebot(config, "ask", "青岛港集装箱吞吐量增长多少", "--json")
    assert asked["code"] == 0 and "index.answering" in asked["loaded"]
