"""How often the anchors check (index/anchors.py) would refuse a question on its own article (run by hand).

    python benchmarks/anchors.py EVAL_DIR [--sets cmrc2018_dev,drcd_dev] [--show]

For every answerable question of the SQuAD-layout dev sets: the question's anchors, and whether the
article that answers it names each of them. A missing anchor there is a wrong refusal whatever else
the passage holds, so the share printed is an upper bound on what the check adds to the not-found
rate. Counts are per kind of anchor (place ns, organisation nt, topic noun, dotted name, series);
``--show`` prints the questions. No index and no embedding: it takes about a minute.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections import Counter
from pathlib import Path

from index.anchors import anchors
from index.datasets import load_squad
from index.normalization import to_simplified
from index.questions import analyse
from index.records import CleanArticle


def folded(article: CleanArticle) -> str:
    """The article as the search checks it: title and text, simplified, lower-cased, NFKC."""
    text = "\n".join([article.title, *(p.text for p in article.paragraphs)])
    return unicodedata.normalize("NFKC", to_simplified(text).lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--sets", default="cmrc2018_dev,drcd_dev")
    parser.add_argument("--show", action="store_true", help="print every question refused on its own article")
    args = parser.parse_args()
    for name in args.sets.split(","):
        data = load_squad(args.eval_dir / f"{name}.json")
        texts = {a.article_id: folded(a) for a in data.articles}
        refused, anchored, kinds = 0, 0, Counter[str]()
        for q in data.questions:
            analysed = analyse(q.question, speakers=False)
            topic = analysed.content[0].lower() if analysed.content else None
            found = anchors(analysed.text.lower(), topic)
            anchored += bool(found)
            lacking = [a for a in found if not a.found_in(texts[q.article_id])]
            if lacking:
                refused += 1
                kinds.update(a.kind for a in lacking)
                if args.show:
                    print(f"  {q.question}  lacks {', '.join(f'{a.word} ({a.kind})' for a in lacking)}")
        n = len(data.questions)
        print(f"{name}: {n} questions, {anchored} with anchors, {refused} refused on their own article "
              f"({refused / n:.4f}); by kind {dict(sorted(kinds.items()))}")


if __name__ == "__main__":
    main()
