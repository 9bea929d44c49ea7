"""BM25 terms live in their own file, read only when an update needs them; format 1 indexes still load."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from index import store
from index.engine import EngineSettings, QuoteEngine
from index.errors import IndexCorruptError, IndexMismatchError
from index.manifest import FORMAT_VERSION, MANIFEST, read_manifest
from index.records import ChunkRow
from tests.conftest import FakeEmbedder

PORT = "港口新闻\n\n青岛港今年集装箱吞吐量再创新高，同比增长百分之八。\n"


def _rewrite_manifest(index_dir: Path, **changes: object) -> None:
    raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    raw.update(changes)
    (index_dir / MANIFEST).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")


def test_terms_are_stored_apart_and_not_read_to_answer(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    index_dir = engine_settings.index_dir
    manifest = read_manifest(index_dir)
    gen = manifest.generation
    assert manifest.format == FORMAT_VERSION == 3 and f"terms-{gen}.jsonl" in manifest.files
    meta = json.loads((index_dir / f"articles-{gen}.json").read_text(encoding="utf-8"))
    assert all("terms" not in article for article in meta["articles"])
    lines = [json.loads(x) for x in (index_dir / f"terms-{gen}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {x["article_id"] for x in lines} == {a["article_id"] for a in meta["articles"]}
    assert all(x["terms"] and all(isinstance(t, str) for p in x["terms"] for t in p) for x in lines)

    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    data = reopened.searcher.data
    assert data.stored is not None and data.stored.terms == (index_dir / f"terms-{gen}.jsonl", manifest.files[f"terms-{gen}.jsonl"])
    assert all(record.terms == [] for record in data.articles.values())
    assert reopened.ask("威海书记说了什么").found


def test_an_update_after_reopening_keeps_the_old_articles_searchable(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    before = engine.ask("威海书记说了什么")
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    (articles_dir / "port.txt").write_text(PORT, encoding="utf-8")
    reopened.add_files([articles_dir / "port.txt"])
    # BM25 was rebuilt with the stored terms of the old articles: they answer as before.
    assert reopened.ask("威海书记说了什么") == before
    assert reopened.ask("青岛港集装箱吞吐量增长多少").found
    assert reopened.searcher.data.stored is None
    again = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert again.ask("威海书记说了什么") == before


def test_an_update_encodes_only_the_new_chunks(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = engine_settings.index_dir
    before = read_manifest(index_dir)
    old_lines = (index_dir / f"chunks-{before.generation}.jsonl").read_text(encoding="utf-8").splitlines()
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    encoded: list[int] = []
    real = ChunkRow.to_json

    def counting(row: ChunkRow) -> dict[str, object]:
        encoded.append(row.id)
        return real(row)

    monkeypatch.setattr(ChunkRow, "to_json", counting)
    (articles_dir / "port.txt").write_text(PORT, encoding="utf-8")
    reopened.add_files([articles_dir / "port.txt"])
    new_ids = {row.id for row in reopened.searcher.data.rows if row.chunk.article_id == "port"}
    assert new_ids and set(encoded) == new_ids
    after = read_manifest(index_dir)
    new_lines = (index_dir / f"chunks-{after.generation}.jsonl").read_text(encoding="utf-8").splitlines()
    assert new_lines[: len(old_lines)] == old_lines
    assert [json.loads(line)["id"] for line in new_lines[len(old_lines):]] == sorted(new_ids)


def test_a_damaged_terms_file_stops_an_update_but_not_the_answers(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    index_dir = engine_settings.index_dir
    manifest = read_manifest(index_dir)
    path = index_dir / f"terms-{manifest.generation}.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("威海", "烟台"), encoding="utf-8")
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert reopened.ask("威海书记说了什么").found
    (articles_dir / "port.txt").write_text(PORT, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"terms-\d+\.jsonl does not match its checksum"):
        reopened.add_files([articles_dir / "port.txt"])
    assert read_manifest(index_dir).generation == manifest.generation


def test_a_terms_file_missing_an_article_is_damage(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    index_dir = engine_settings.index_dir
    manifest = read_manifest(index_dir)
    name = f"terms-{manifest.generation}.jsonl"
    lines = (index_dir / name).read_text(encoding="utf-8").splitlines()
    (index_dir / name).write_text(lines[0] + "\n", encoding="utf-8")
    files = dict(manifest.files, **{name: hashlib.sha256((index_dir / name).read_bytes()).hexdigest()})
    _rewrite_manifest(index_dir, files=files)
    data = store.load(index_dir, "fake:hash-256", 256)
    with pytest.raises(IndexCorruptError, match="does not hold the terms of article"):
        store.prepare_update(data)


def test_a_format_1_index_with_terms_inside_still_loads_and_updates(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    index_dir = engine_settings.index_dir
    before = engine.ask("威海书记说了什么")
    manifest = read_manifest(index_dir)
    gen = manifest.generation
    # What format 1 wrote: terms inside each article, no terms file.
    terms = {}
    for line in (index_dir / f"terms-{gen}.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        terms[entry["article_id"]] = entry["terms"]
    meta = json.loads((index_dir / f"articles-{gen}.json").read_text(encoding="utf-8"))
    for article in meta["articles"]:
        article["terms"] = terms[article["article_id"]]
    (index_dir / f"articles-{gen}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (index_dir / f"terms-{gen}.jsonl").unlink()
    files = {k: v for k, v in manifest.files.items() if not k.startswith("terms-")}
    files[f"articles-{gen}.json"] = hashlib.sha256((index_dir / f"articles-{gen}.json").read_bytes()).hexdigest()
    raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    del raw["vector_index"]
    raw.update(format=1, files=files)
    (index_dir / MANIFEST).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    old = QuoteEngine.open(engine_settings, FakeEmbedder())
    stored = old.searcher.data.stored
    assert stored is not None and stored.terms is None and old.ask("威海书记说了什么") == before
    (articles_dir / "port.txt").write_text(PORT, encoding="utf-8")
    old.add_files([articles_dir / "port.txt"])
    assert read_manifest(index_dir).format == 3
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).ask("威海书记说了什么") == before


def test_a_format_2_index_gets_postings_from_its_terms_and_updates_to_format_3(
    engine: QuoteEngine, engine_settings: EngineSettings, articles_dir: Path
) -> None:
    index_dir = engine_settings.index_dir
    before = engine.ask("威海书记说了什么")
    manifest = read_manifest(index_dir)
    gen = manifest.generation
    # Format 2 kept bm25s's score matrix in bm25-N/, which this version does not read: no postings.
    shutil.rmtree(index_dir / f"postings-{gen}")
    files = {k: v for k, v in manifest.files.items() if not k.startswith("postings-")}
    _rewrite_manifest(index_dir, format=2, files=files)

    old = QuoteEngine.open(engine_settings, FakeEmbedder())
    assert old.searcher.data.bm25 is not None and old.ask("威海书记说了什么") == before
    # The postings were built from a copy of the terms: the served articles still hold none.
    assert all(record.terms == [] for record in old.searcher.data.articles.values())
    (articles_dir / "port.txt").write_text(PORT, encoding="utf-8")
    old.add_files([articles_dir / "port.txt"])
    after = read_manifest(index_dir)
    assert after.format == 3 and any(name.startswith(f"postings-{after.generation}/") for name in after.files)
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).ask("威海书记说了什么") == before


def test_an_unknown_format_is_told_to_rebuild(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    _rewrite_manifest(engine_settings.index_dir, format=4)
    with pytest.raises(IndexMismatchError, match=r"has format 4, this QuoteBot reads formats 1, 2 and 3; rebuild"):
        read_manifest(engine_settings.index_dir)


def test_saving_without_reading_the_terms_is_refused(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    data = store.load(engine_settings.index_dir, "fake:hash-256", 256)
    with pytest.raises(ValueError, match="terms were not read"):
        store.save(engine_settings.index_dir, data)
