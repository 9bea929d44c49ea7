"""Ingestion limits: a file, a page or a build past them is refused with a sentence, and nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.runtime
from bot.cli import cli
from index import EngineSettings, QuoteEngine
from index.articles import collect_files, load_articles, load_bytes
from index.errors import ArticleError, TooManyFilesError
from index.sentences import pieces
from index.settings import IngestLimits
from tests.conftest import FakeEmbedder

SENTENCE = "市政府今天公布了新的交通规划方案。"  # 17 characters
ARTICLE = "城市交通规划公布\n\n记者从市政府获悉，新的规划将在明年实施。\n\n规划包括三条地铁线路和十个公交枢纽。\n"


def test_pieces_are_whole_sentences_within_the_limit_and_give_the_text_back() -> None:
    text = SENTENCE * 10
    parts = pieces(text, 40)
    assert all(len(p) <= 40 for p in parts)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == text
    assert pieces("短句。", 40) == ["短句。"]


def test_a_sentence_longer_than_the_limit_is_cut_not_lost() -> None:
    text = "这是一句没有句号的很长的话" * 20
    parts = pieces(text, 50)
    assert all(len(p) <= 50 for p in parts)
    assert "".join(parts) == text


def test_a_long_paragraph_becomes_several_with_offsets_into_the_text(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("城市交通规划公布\n\n" + SENTENCE * 30 + "\n", encoding="utf-8")
    (article,) = load_articles(path, "long", IngestLimits(max_paragraph_chars=100))
    assert len(article.paragraphs) > 3
    assert all(len(p.text) <= 100 for p in article.paragraphs)
    for p in article.paragraphs:
        assert article.text[p.start:p.end] == p.text
    assert [p.number for p in article.paragraphs] == list(range(len(article.paragraphs)))
    assert "".join(p.text for p in article.paragraphs) == SENTENCE * 30


def test_a_file_over_the_size_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(ARTICLE + "补充。" * 200_000, encoding="utf-8")
    with pytest.raises(ArticleError) as caught:
        load_articles(path, "big", IngestLimits(max_file_bytes=1024 * 1024))
    message = str(caught.value)
    assert message.startswith(f"{path}: the file is 1.7 MB; the limit for one article file is 1.0 MB.")
    assert "\n" not in message


def test_text_over_the_character_limit_is_refused(tmp_path: Path) -> None:
    text = ARTICLE + SENTENCE * 350
    with pytest.raises(ArticleError, match=rf"holds {len(text):,} characters of text; the limit for one article "
                                           r"file is 5,000\. Split it into articles\.$"):
        load_bytes(text.encode("utf-8"), "pasted.txt", "pasted", limits=IngestLimits(max_article_chars=5000))


def test_a_page_with_too_many_elements_is_refused_before_extraction() -> None:
    page = "<html><body>" + "<div><span>内容</span></div>" * 3000 + "</body></html>"
    with pytest.raises(ArticleError, match=r"has about 6,002 HTML elements; the limit for one page is 5,000"):
        load_bytes(page.encode("utf-8"), "page.html", "page", limits=IngestLimits(max_page_elements=5000))


def test_the_default_limits_take_an_ordinary_article(tmp_path: Path) -> None:
    (article,) = load_bytes(ARTICLE.encode("utf-8"), "a.txt", "a")
    assert article.title == "城市交通规划公布"
    assert len(article.paragraphs) == 2


def test_more_files_than_the_limit_are_refused_before_any_is_read(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"a{i}.txt").write_text(ARTICLE, encoding="utf-8")
    assert len(collect_files([tmp_path], max_files=4)) == 4
    with pytest.raises(TooManyFilesError, match=r"holds 4 article files; one build or add reads at most 3\."):
        collect_files([tmp_path], max_files=3)


def test_engine_build_over_the_file_limit_changes_nothing(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(ARTICLE, encoding="utf-8")
    settings = EngineSettings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", articles_dir=articles,
                              limits=IngestLimits(max_files=1))
    engine = QuoteEngine.open(settings, FakeEmbedder())
    assert len(engine.articles()) == 1
    before = sorted(p.name for p in (tmp_path / "index").iterdir())
    (articles / "b.txt").write_text(ARTICLE.replace("交通", "教育"), encoding="utf-8")
    with pytest.raises(TooManyFilesError):
        engine.rebuild()
    with pytest.raises(TooManyFilesError):
        engine.add([articles])
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == before
    assert len(engine.articles()) == 1
    # One file at a time is within the limit.
    assert [a.title for a in engine.add([articles / "b.txt"]).added] == ["城市教育规划公布"]


def test_no_article_message_names_the_file_once(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text("", encoding="utf-8")
    (articles / "b.txt").write_text(" \n", encoding="utf-8")
    settings = EngineSettings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", articles_dir=articles)
    with pytest.raises(ArticleError) as caught:
        QuoteEngine.open(settings, FakeEmbedder())
    message = str(caught.value)
    assert message == f"No article could be indexed (1 other file failed too): {articles / 'a.txt'}: the file is empty."


def test_config_limits_reach_the_index_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(ARTICLE, encoding="utf-8")
    big = tmp_path / "big.txt"
    text = ARTICLE + SENTENCE * 400
    big.write_text(text, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("ingest:\n  max_article_chars: 5000\n", encoding="utf-8")
    embedder = FakeEmbedder()
    monkeypatch.setattr(bot.runtime, "embedder_for", lambda settings: embedder)
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "index", "build"]).exit_code == 0
    result = runner.invoke(cli, ["--config", str(config), "index", "add", str(big)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {big}: the file holds {len(text):,} characters of text; the limit for one article file is 5,000. "
        "Split it into articles."
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("ingest:\n  max_files: 0\n", encoding="utf-8")
    result = runner.invoke(cli, ["--config", str(bad), "index", "list"])
    assert result.exit_code != 0 and "max_files" in result.stderr

