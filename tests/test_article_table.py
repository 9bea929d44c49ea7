"""The articles file (index.article_table): its plain columns are read without touching the records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.article_table import ArticleTable, write_articles
from index.records import ArticleRecord, Paragraph

PLAIN_QUERIES = [
    "SELECT article_id, paragraphs FROM articles ORDER BY ordinal",
    "SELECT source FROM articles ORDER BY ordinal",
    "SELECT date FROM articles ORDER BY ordinal",
]


def _records(n: int) -> list[ArticleRecord]:
    def body(i: int) -> str:
        return f"第{i}篇文章的正文。" * 50

    return [
        ArticleRecord(f"a{i}", f"标题{i}", f"source-{i}.txt", f"h{i}",
                      [Paragraph(k, body(i), None, 0, len(body(i))) for k in range(i % 3 + 1)], [0],
                      date=f"2020-05-{i % 28 + 1:02d}" if i % 2 else None)
        for i in range(n)
    ]


def test_opening_reads_the_plain_columns_from_their_own_index(tmp_path: Path) -> None:
    path = tmp_path / "articles-1.sqlite"
    write_articles(path, _records(40))
    con = sqlite3.connect(path)
    for query in PLAIN_QUERIES:
        (plan,) = con.execute("EXPLAIN QUERY PLAN " + query).fetchall()
        assert "USING COVERING INDEX articles_plain" in plan[3], (query, plan)
    con.close()
    table = ArticleTable(path)
    ids, counts = table.index()
    assert ids == [f"a{i}" for i in range(40)] and counts == [i % 3 + 1 for i in range(40)]
    assert table.column("source")[7] == "source-7.txt" and table.column("date")[:2] == [None, "2020-05-02"]


def test_a_file_written_before_that_index_reads_the_same(tmp_path: Path) -> None:
    new, old = tmp_path / "new.sqlite", tmp_path / "old.sqlite"
    write_articles(new, _records(12))
    write_articles(old, _records(12))
    con = sqlite3.connect(old)
    con.execute("DROP INDEX articles_plain")
    con.commit()
    con.close()
    a, b = ArticleTable(new), ArticleTable(old)
    assert a.index() == b.index() and a.column("source") == b.column("source") and a.column("date") == b.column("date")
    assert a.record(5) == b.record(5)
