"""Evaluation data: SQuAD-layout reading-comprehension sets and our JSONL question files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from index.errors import QuoteBotError
from index.records import CleanArticle, Paragraph


class DatasetError(QuoteBotError):
    """An evaluation file that cannot be read."""


@dataclass(frozen=True)
class SquadQuestion:
    question: str
    answers: tuple[str, ...]
    article_id: str
    paragraph: int


@dataclass(frozen=True)
class SquadSet:
    articles: list[CleanArticle]
    questions: list[SquadQuestion]


@dataclass(frozen=True)
class JsonlCase:
    """One question of a JSONL set; ``kind``, ``article`` and ``speaker`` are optional labels."""

    question: str
    expect: str | None
    kind: str | None = None
    article: str | None = None
    speaker: str | None = None


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: no such file.") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetError(f"{path}: cannot be read as JSON ({exc}).") from exc


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".ndjson")


def load_squad(path: Path) -> SquadSet:
    """Each ``data[]`` entry becomes one article whose paragraphs are its contexts."""
    raw = _read_json(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise DatasetError(f"{path}: not SQuAD layout (expected an object with a 'data' list).")
    articles: list[CleanArticle] = []
    questions: list[SquadQuestion] = []
    for i, entry in enumerate(raw["data"]):
        article_id = f"d{i:05d}"
        title = str(entry.get("title") or article_id).strip() or article_id
        paragraphs: list[Paragraph] = []
        offset = 0
        for number, para in enumerate(entry.get("paragraphs", [])):
            # A paragraph is one line of text: a stray line break inside a context is a space.
            text = re.sub(r"\s*\n\s*", " ", str(para["context"])).strip()
            paragraphs.append(Paragraph(number, text, None, offset, offset + len(text)))
            offset += len(text) + 2
            for qa in para.get("qas", []):
                answers = tuple(dict.fromkeys(str(a["text"]).strip() for a in qa.get("answers", []) if a.get("text")))
                questions.append(SquadQuestion(str(qa["question"]).strip(), answers, article_id, number))
        articles.append(CleanArticle(article_id, title, f"{path.name}#{i}", paragraphs))
    if not questions:
        raise DatasetError(f"{path}: holds no questions.")
    return SquadSet(articles, questions)


def _optional_text(item: dict[str, object], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"'{key}' must be a string or null, not {type(value).__name__}")
    return value


def load_jsonl(path: Path) -> list[JsonlCase]:
    """Lines of {"q": question, "expect": text or null}, optionally with the news set's labels
    ("kind", "article", "speaker": strings or null)."""
    cases: list[JsonlCase] = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question = str(item["q"])
            expect = item.get("expect")
            labels = [_optional_text(item, key) for key in ("kind", "article", "speaker")]
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"{path}, line {n}: expected {{\"q\": ..., \"expect\": ...}} ({exc}).") from exc
        cases.append(JsonlCase(question, None if expect is None else str(expect), *labels))
    if not cases:
        raise DatasetError(f"{path}: holds no questions.")
    return cases
