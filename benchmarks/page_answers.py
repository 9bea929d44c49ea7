"""Do raw news pages keep the text that answers questions? A check before indexing them.

Usage (from the project root, in the project's virtualenv):

    python benchmarks/page_answers.py NEWS_DIR

NEWS_DIR holds ``NN-name.txt`` articles, the raw ``NN-name.html`` pages they were cut from, and
``questions.jsonl`` (``q``, ``expect``, ``article``). For every answerable question whose article has a
page, the page is loaded as the index loads it (``load_articles``) and the question passes when its
``expect`` string lies inside one paragraph, where a quote can reach it. The same is counted for the
``.txt`` files, and the titles of both are compared.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.articles import load_articles  # noqa: E402
from index.records import CleanArticle  # noqa: E402


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    logging.disable(logging.WARNING)
    questions = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    loaded: dict[Path, list[CleanArticle]] = {}
    counts = {"html": 0, "txt": 0}
    total = 0
    missed: list[str] = []
    for question in questions:
        if not question.get("expect") or not question.get("article"):
            continue
        text_path = folder / question["article"]
        page_path = text_path.with_suffix(".html")
        if not page_path.exists():
            continue
        total += 1
        for kind, path in (("html", page_path), ("txt", text_path)):
            if path not in loaded:
                loaded[path] = load_articles(path, path.stem[:30])
            if any(question["expect"] in p.text for a in loaded[path] for p in a.paragraphs):
                counts[kind] += 1
            elif kind == "html":
                missed.append(f"{page_path.name}: {question['expect']}")
    pages = sorted(p for p in loaded if p.suffix == ".html")
    same_title = sum(loaded[p][0].title == loaded[p.with_suffix(".txt")][0].title for p in pages)
    dated = sum(loaded[p][0].date is not None for p in pages)
    print(f"{len(pages)} pages, {total} answerable questions on them")
    print(f"expect inside one paragraph: pages {counts['html']}/{total}, text files {counts['txt']}/{total}")
    print(f"page title == text file title: {same_title}/{len(pages)}; pages with a date: {dated}/{len(pages)}")
    for line in missed:
        print(f"missed {line}")


if __name__ == "__main__":
    main()
