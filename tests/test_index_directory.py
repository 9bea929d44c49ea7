"""QuoteBot deletes only what it created, never builds over someone's files, and recovers a damaged index."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from index import directory, normalization, store
from index.engine import EngineSettings, QuoteEngine
from index.errors import BuildRefusedError, IndexCorruptError, IndexLocationError
from index.manifest import MANIFEST, read_manifest
from tests.conftest import SAMPLE, FakeEmbedder


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every entry below ``root`` with its content (None for folders)."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A folder of someone's files, dot files and subfolders included."""
    folder = tmp_path / "home"
    (folder / ".ssh").mkdir(parents=True)
    (folder / ".ssh" / "id_ed25519").write_text("secret", encoding="utf-8")
    (folder / "Documents").mkdir()
    (folder / "Documents" / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / ".bashrc").write_text("export A=1\n", encoding="utf-8")
    return folder


@pytest.fixture
def cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    path = tmp_path / "config.yaml"
    path.write_text("search:\n  top_k: 3\n", encoding="utf-8")
    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def test_ask_on_first_use_leaves_a_folder_of_other_files_untouched(
    cli_config: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tree(home)
    monkeypatch.setenv("QUOTEBOT_INDEX", str(home))
    code, out, err = run(cli_config, "ask", "威海书记说了什么")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "already holds files QuoteBot did not create" in err and str(home) in err
    for command in (["index", "build"], ["index", "add", str(SAMPLE)]):
        code, _, err = run(cli_config, *command)
        assert code == 1 and "did not create" in err
    assert _tree(home) == before


def test_the_engine_refuses_a_folder_of_other_files(home: Path, articles_dir: Path, tmp_path: Path) -> None:
    before = _tree(home)
    settings = EngineSettings(home, tmp_path / "cache", articles_dir)
    with pytest.raises(IndexLocationError, match=r"\.bashrc, \.ssh, Documents"):
        QuoteEngine.open(settings, FakeEmbedder())
    with pytest.raises(IndexLocationError):
        QuoteEngine(settings, FakeEmbedder()).rebuild(force=True)
    assert _tree(home) == before


@pytest.mark.parametrize(("index", "articles", "what"), [
    ("''", "articles", "contains the articles folder"),
    ("articles", "articles", "is the articles folder"),
    (".", "../elsewhere", "contains the config file"),
    ("''", "../elsewhere", "contains the config file"),
])
def test_an_index_path_holding_the_config_or_the_articles_is_refused(
    cli_config: Path, index: str, articles: str, what: str
) -> None:
    (cli_config.parent.parent / "elsewhere").mkdir(exist_ok=True)
    cli_config.write_text(f"paths:\n  index: {index}\n  articles: {articles}\n",
                          encoding="utf-8")
    before = _tree(cli_config.parent)
    code, _, err = run(cli_config, "ask", "威海书记说了什么")
    assert code == 1 and what in err and "set paths.index" in err
    assert _tree(cli_config.parent) == before


def test_saves_never_delete_what_they_did_not_write(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = engine_settings.index_dir
    # Someone keeps notes in the index folder, even one named like an index file.
    (index_dir / "notes.txt").write_text("mine", encoding="utf-8")
    (index_dir / "vectors-99.faiss").write_text("not QuoteBot's", encoding="utf-8")
    (index_dir / "backup").mkdir()
    monkeypatch.setattr(directory, "GRACE_SECONDS", 0.0)
    for i in range(3):
        extra = tmp_path / f"extra{i}.txt"
        extra.write_text(f"标题{i}\n\n第{i}篇补充文章的正文，讲述青岛港口的发展。\n", encoding="utf-8")
        engine.add_files([extra])
    engine.rebuild([engine_settings.articles_dir, tmp_path / "extra0.txt", tmp_path / "extra1.txt",
                    tmp_path / "extra2.txt"])
    assert (index_dir / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (index_dir / "vectors-99.faiss").read_text(encoding="utf-8") == "not QuoteBot's"
    assert (index_dir / "backup").is_dir()


def test_an_index_from_before_the_marker_is_adopted(engine: QuoteEngine, engine_settings: EngineSettings,
                                                    tmp_path: Path) -> None:
    index_dir = engine_settings.index_dir
    (index_dir / directory.MARKER).unlink()
    (index_dir / directory.LEDGER).unlink()
    reopened = QuoteEngine.open(engine_settings, FakeEmbedder())
    extra = tmp_path / "extra.txt"
    extra.write_text("标题\n\n一篇补充文章的正文，讲述青岛港口的发展。\n", encoding="utf-8")
    reopened.add_files([extra])
    assert (index_dir / directory.MARKER).is_file()
    assert "extra" in store.load(index_dir, "fake:hash-256", 256).articles


DAMAGED = {
    "truncated": None,
    "garbage": "\x00\x01garbage",
    "a list": "[]",
    "generation not a number": {"generation": "abc"},
    "generation missing": {"generation": None},
    "files not a mapping": {"files": ["chunks-1.jsonl"]},
    "a file outside the index": {"files": {"../config.yaml": "0" * 64}},
    "counts of the wrong type": {"counts": {"articles": "2", "chunks": 3}},
}


@pytest.mark.parametrize("form", list(DAMAGED))
def test_a_damaged_manifest_is_reported_then_rebuilt(
    engine: QuoteEngine, engine_settings: EngineSettings, form: str
) -> None:
    index_dir = engine_settings.index_dir
    path = index_dir / MANIFEST
    good = path.read_text(encoding="utf-8")
    damage = DAMAGED[form]
    if damage is None:
        path.write_text(good[: len(good) // 2], encoding="utf-8")
    elif isinstance(damage, str):
        path.write_text(damage, encoding="utf-8")
    else:
        raw = json.loads(good)
        raw.update(damage)
        path.write_text(json.dumps(raw), encoding="utf-8")
    broken = path.read_bytes()
    with pytest.raises(IndexCorruptError, match="damaged.*quotebot index build"):
        QuoteEngine.open(engine_settings, FakeEmbedder())
    rebuilder = QuoteEngine(engine_settings, FakeEmbedder())
    report = rebuilder.rebuild()
    assert report.damaged_manifest is not None and report.damaged_manifest.read_bytes() == broken
    assert report.damaged_manifest.name.startswith("manifest.json.damaged-")
    assert len(report.added) == 2
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).stats()["articles"] == 2


def test_index_files_without_a_manifest_are_not_rebuilt_silently(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path
) -> None:
    index_dir = engine_settings.index_dir
    extra = tmp_path / "elsewhere.txt"
    extra.write_text("标题\n\n一篇来自别处的文章，讲述青岛港口的发展。\n", encoding="utf-8")
    engine.add_files([extra])
    (index_dir / MANIFEST).unlink()
    before = _tree(index_dir)
    with pytest.raises(IndexCorruptError, match="no manifest.json.*quotebot index build"):
        QuoteEngine.open(engine_settings, FakeEmbedder())
    with pytest.raises(IndexCorruptError, match="lost its manifest"):
        engine.add_files([extra])
    assert _tree(index_dir) == before


def test_a_build_that_would_drop_the_articles_is_refused(
    engine: QuoteEngine, engine_settings: EngineSettings, tmp_path: Path
) -> None:
    index_dir = engine_settings.index_dir
    before = read_manifest(index_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    unsupported = tmp_path / "unsupported"
    unsupported.mkdir()
    (unsupported / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (unsupported / "sheet.xlsx").write_bytes(b"PK")
    for folder in (empty, unsupported):
        with pytest.raises(BuildRefusedError, match="with none.*nothing was changed.*--force"):
            engine.rebuild([folder])
    assert read_manifest(index_dir) == before
    assert engine.rebuild([empty], force=True).added == []
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).stats()["articles"] == 0


def test_a_build_that_keeps_less_than_half_is_refused(engine_settings: EngineSettings, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5):
        (folder / f"a{i}.txt").write_text(f"标题{i}\n\n第{i}篇文章的正文，讲述港口的发展。\n", encoding="utf-8")
    engine = QuoteEngine(engine_settings, FakeEmbedder())
    engine.rebuild([folder])
    few = tmp_path / "few"
    few.mkdir()
    for i in range(2):
        (few / f"a{i}.txt").write_bytes((folder / f"a{i}.txt").read_bytes())
    with pytest.raises(BuildRefusedError, match="keep 2 articles of the 5"):
        engine.rebuild([few])
    assert len(engine.rebuild([few], force=True).added) == 2


def test_cli_build_refuses_an_empty_folder_and_recovers_a_damaged_manifest(cli_config: Path, tmp_path: Path) -> None:
    assert run(cli_config, "index", "build")[0] == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(cli_config, "index", "build", str(empty))
    assert code == 1 and "nothing was changed" in err and err.count("\n") == 1
    manifest = cli_config.parent / "data" / "index" / MANIFEST
    manifest.write_text('{"generation": "abc"', encoding="utf-8")
    code, _, err = run(cli_config, "ask", "威海书记说了什么")
    assert code == 1 and "quotebot index build" in err
    code, out, err = run(cli_config, "index", "build")
    assert code == 0 and "moved it to" in err and "added" in out
    assert run(cli_config, "ask", "威海书记说了什么")[0] == 0


def test_a_full_disk_leaves_no_dictionary_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jieba

    real_replace = os.replace

    def disk_full(src: object, dst: object) -> None:
        if str(dst).endswith(normalization.DICTIONARY_CACHE):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", disk_full)
    freq, total = normalization.prefix_dictionary(jieba.Tokenizer(), tmp_path)
    assert total > 0 and "青岛" in freq
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    normalization.prefix_dictionary(jieba.Tokenizer(), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [normalization.DICTIONARY_CACHE]
    again, _ = normalization.prefix_dictionary(jieba.Tokenizer(), tmp_path)
    assert again == freq


def _write_many(index_dir: str, cache_dir: str, articles_dir: str, name: str, rounds: int) -> None:
    settings = EngineSettings(Path(index_dir), Path(cache_dir), Path(articles_dir))
    engine = QuoteEngine(settings, FakeEmbedder())
    folder = Path(articles_dir).parent / name
    folder.mkdir(exist_ok=True)
    for i in range(rounds):
        path = folder / f"{name}-{i}.txt"
        path.write_text(f"{name}{i}\n\n{name}写的第{i}篇文章，讲述港口的发展和城市的合作。\n", encoding="utf-8")
        engine.add_files([path])


def _read_many(index_dir: str, reads: int, errors: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    for _ in range(reads):
        try:
            store.load(Path(index_dir), "fake:hash-256", 256)
        except Exception as exc:  # every failure counts, whatever it is
            errors.put(f"{type(exc).__name__}: {exc}")
    errors.put(None)


def test_readers_never_fail_while_two_writers_update(engine: QuoteEngine, engine_settings: EngineSettings) -> None:
    spawn = multiprocessing.get_context("spawn")
    args = (str(engine_settings.index_dir), str(engine_settings.cache_dir), str(engine_settings.articles_dir))
    writers = [spawn.Process(target=_write_many, args=(*args, name, 8)) for name in ("alpha", "beta")]
    errors = spawn.Queue()
    readers = [spawn.Process(target=_read_many, args=(args[0], 50, errors)) for _ in range(2)]
    for process in writers + readers:
        process.start()
    failures: list[str] = []
    finished = 0
    while finished < len(readers):
        item = errors.get(timeout=120)
        if item is None:
            finished += 1
        else:
            failures.append(item)
    for process in writers + readers:
        process.join(timeout=120)
    assert [p.exitcode for p in writers + readers] == [0, 0, 0, 0]
    assert failures == []
    assert QuoteEngine.open(engine_settings, FakeEmbedder()).stats()["articles"] == 2 + 16
