"""Who-said-what set up from an index's stored people and statements reads only what a question needs.

Opening a large index made every article's people and statements up front, and each speaker question
read every article; now an article's speakers are made, and its record read, when a question needs
them. The answers must stay those of an attribution made from the records themselves.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import pytest

import index.speakers.attribution
import index.speakers.matching
from index.records import ArticleRecord, Paragraph, Quote
from index.results import NotFound
from index.speakers import Person, Statement
from index.speakers.attribution import Attribution, Speakers
from index.speakers.matching import _overlap

SAID = "市长王海峰说，港口明年要完成扩建。"
OTHER = "今年的粮食产量比去年增加了一成。"


def _record(article_id: str, text: str, people: list[Person], statements: list[Statement]) -> ArticleRecord:
    paragraph = Paragraph(0, text, None, 0, len(text))
    return ArticleRecord(article_id, f"标题{article_id}", "test", article_id, [paragraph], [0],
                         people=[asdict(p) for p in people], statements=[asdict(s) for s in statements])


def _records() -> list[ArticleRecord]:
    mayor = Person("王海峰", ("市长",), None, (0,))
    speech = Statement("王海峰", "市长", 0, 0, len(SAID), SAID, None)
    quiet = [_record(f"b{i}", OTHER, [Person(f"李{i}明", ("局长",), None, (0,))], []) for i in range(20)]
    return [_record("a", SAID, [mayor], [speech]), *quiet]


class CountingLoad:
    """Reads records from a dict and remembers which ones were read."""

    def __init__(self, records: list[ArticleRecord]) -> None:
        self.records = {r.article_id: r for r in records}
        self.read: list[str] = []

    def __call__(self, article_id: str) -> ArticleRecord:
        self.read.append(article_id)
        return self.records[article_id]


def _entries(records: list[ArticleRecord]) -> list[Speakers]:
    return [(r.article_id, r.people, r.statements) for r in records]


def _texts(answer: list[Quote] | NotFound | None) -> Any:
    return [(q.article_id, q.text, q.speaker) for q in answer] if isinstance(answer, list) else answer


def test_lazy_attribution_answers_as_one_made_from_the_records():
    records = _records()
    eager, lazy = Attribution(records), Attribution.lazy(_entries(records), CountingLoad(records))
    for question in ("王海峰说了什么", "市长说了什么", "李3明说了什么", "张三说了什么", "港口什么时候扩建"):
        assert _texts(lazy.answer(question)) == _texts(eager.answer(question)), question
    assert lazy.names == eager.names


def test_opening_and_an_ordinary_question_read_no_record():
    records = _records()
    load = CountingLoad(records)
    attribution = Attribution.lazy(_entries(records), load)
    assert attribution.answer("港口什么时候扩建") is None
    assert load.read == []


def test_a_speaker_question_reads_only_the_articles_it_quotes():
    records = _records()
    load = CountingLoad(records)
    answer = Attribution.lazy(_entries(records), load).answer("王海峰说了什么")
    assert isinstance(answer, list)
    assert [q.text for q in answer] == [SAID]
    assert set(load.read) == {"a"}


def test_stored_statements_of_an_article_are_made_only_when_a_quote_needs_them():
    records = _records()
    entries = _entries(records)
    # A stored statement that cannot be made fails only the question that needs it: nothing else reads it.
    entries[1] = (entries[1][0], entries[1][1], [{"not": "a statement"}])
    attribution = Attribution.lazy(entries, CountingLoad(records))
    quote = Quote(SAID, "a", "标题a", None, 0, 0, len(SAID), 1.0, SAID)
    speaker = attribution.speaker_of(quote)
    assert speaker is not None and speaker.name == "王海峰"
    assert attribution.answer("港口什么时候扩建") is None
    assert _texts(attribution.answer("王海峰说了什么")) == [("a", SAID, speaker)]
    assert "李1明" in attribution.names


def test_a_speaker_asked_by_an_alias_is_found_through_the_name_index():
    said = "简·卡斯特表示，这项研究还需要更多数据。"
    person = Person("简·卡斯特", ("教授",), None, (0,))
    statement = Statement("简·卡斯特", "教授", 0, 0, len(said), said, None)
    records = [*_records(), _record("c", said, [person], [statement])]
    answer = Attribution.lazy(_entries(records), CountingLoad(records)).answer("卡斯特说了什么")
    assert isinstance(answer, list)
    assert [(q.article_id, q.text) for q in answer] == [("c", said)]


def test_a_name_only_in_the_text_is_looked_up_in_the_articles_that_contain_it():
    mention = "今天张伟民来到港口参观。"
    records = [*_records(), _record("m", mention, [], [])]
    load = CountingLoad(records)
    asked: list[str] = []

    def containing(words: Sequence[str]) -> list[str]:
        asked.extend(words)
        return [r.article_id for r in records if any(w in p.text for p in r.paragraphs for w in words)]

    attribution = Attribution.lazy(_entries(records), load, containing)
    answer = attribution.answer("张伟民说了什么")
    expected = Attribution(records).answer("张伟民说了什么")
    assert _texts(answer) == _texts(expected)
    assert isinstance(answer, NotFound) and [m.article_id for m in answer.mentions] == ["m"]
    assert set(load.read) == {"m"} and "张伟民" in asked


def test_role_and_who_said_questions_skip_articles_that_cannot_answer():
    records = _records()
    # Nobody in this article has a role or says anything: no speaker question needs its people made.
    entries = [*_entries(records), ("z", [{"name": "赵六", "kind": "mention"}], [])]
    attribution = Attribution.lazy(entries, CountingLoad(records))
    by_role = attribution.answer("市长说了什么")
    assert isinstance(by_role, list) and [q.text for q in by_role] == [SAID]
    by_words = attribution.answer("谁说港口明年要完成扩建")
    assert isinstance(by_words, list) and [(q.text, q.speaker.name if q.speaker else None) for q in by_words] == [
        (SAID, "王海峰")]
    # The role is held by 李0明 and the others, who say nothing: each is named, none is quoted.
    holders = attribution.answer("局长说了什么")
    assert isinstance(holders, NotFound) and len(holders.mentions) == 20


def _overlap_by_sets(needle: str, haystack: str) -> float:
    """The share of the needle's bigrams among the haystack's, as sets (the definition)."""
    def bigrams(text: str) -> set[str]:
        text = re.sub("[^\u4e00-\u9fffA-Za-z0-9]", "", text)
        return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())

    wanted = bigrams(needle)
    return len(wanted & bigrams(haystack)) / len(wanted) if wanted else 0.0


def test_statement_overlap_is_the_share_of_bigrams_the_statement_holds():
    rng = random.Random(7)
    alphabet = "港口扩建明年市长说，。！ a1"
    for _ in range(2000):
        needle = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        haystack = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert _overlap(needle, haystack) == _overlap_by_sets(needle, haystack), (needle, haystack)
    assert _overlap("港口扩建", "港，口扩建。") == 1.0  # punctuation between two characters does not part them


def test_a_question_by_role_weighs_only_the_people_who_hold_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # Articles name many people in passing: asked by role or description, only role holders,
    # organisations and unnamed speakers can be meant, and only they are weighed.
    mentioned = [{"name": f"路人{i}", "roles": [], "kind": "mention"} for i in range(30)]
    people = [asdict(Person("王海峰", ("市长",), None, (0,))), *mentioned,
              {"name": "港务集团", "roles": [], "kind": "organisation"}]
    records = _records()
    entries = [("a", people, records[0].statements), *_entries(records)[1:]]
    attribution = Attribution.lazy(entries, CountingLoad(records))
    article = attribution._pool.get("a")
    assert article is not None and [p.name for p in article.titled] == ["王海峰", "港务集团"]
    weighed: list[str] = []
    speaks_for = index.speakers.matching.speaks_for

    def counting(question: Any, person: Person, mentioned: Any = None) -> bool:
        weighed.append(person.name)
        return speaks_for(question, person, mentioned)

    monkeypatch.setattr(index.speakers.attribution, "speaks_for", counting)
    monkeypatch.setattr(index.speakers.matching, "speaks_for", counting)
    by_role = attribution.answer("市长说了什么")
    holders = attribution.answer("局长说了什么")
    assert isinstance(by_role, list) and [q.text for q in by_role] == [SAID]
    assert isinstance(holders, NotFound) and len(holders.mentions) == 20
    assert weighed and not any(name.startswith("路人") for name in weighed)
    # Asked by name, everyone counts: a person mentioned in passing is still found.
    assert isinstance(attribution.answer("路人3说了什么"), NotFound)
