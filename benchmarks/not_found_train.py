"""Train and measure the "not found" scorer on dumps of benchmarks/not_found_data.py (run by hand).

    python benchmarks/not_found_train.py DUMP.jsonl [DUMP.jsonl ...] [--write index/not_found.json]

A logistic regression over the evidence of index.evidence, trained on every one of the three best
passages of every question (label: the passage holds the answer; nothing does for unanswerable
questions), with each scenario and set weighing the same. It is judged by grouped 5-fold
cross-validation (folds by article or question group, never splitting one) on the decision that
matters: whether the best passage is accepted. Per scenario: the share of answerable questions refused
(``refused``), and of unanswerable ones accepted (``accepted``), for the scorer and for the current rule
(confidence >= 0.5). ``--write`` saves the model fitted on everything.
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

THRESHOLD = 0.5
L2 = 1.0


def load(paths: list[Path]) -> list[dict[str, Any]]:
    """The dumped questions that reach the scorer, their evidence measured by the current code."""
    rows = []
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


def design(rows: list[dict[str, Any]], top_only: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, sample weights and the row index of every passage."""
    xs, ys, owners = [], [], []
    for i, row in enumerate(rows):
        for hit in row["hits"][:1] if top_only else row["hits"]:
            xs.append(hit["evidence"])
            ys.append(1.0 if row["answerable"] and hit["label"] else 0.0)
            owners.append(i)
    x, y, owner = np.array(xs, dtype=np.float64), np.array(ys), np.array(owners)
    # Every scenario and set weighs the same, and within it answers and non-answers do.
    keys = [f"{rows[i]['scenario']}/{rows[i]['set']}/{int(y[k])}" for k, i in enumerate(owner)]
    counts: dict[str, int] = defaultdict(int)
    for key in keys:
        counts[key] += 1
    weight = np.array([1.0 / counts[key] for key in keys])
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
        "weights": beta[:-1].round(6).tolist(), "bias": round(float(beta[-1]), 6), "threshold": THRESHOLD,
    }


def predict(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1 / (1 + np.exp(-(z @ np.array(model["weights"]) + model["bias"])))


def fold_of(row: dict[str, Any], k: int) -> int:
    return zlib.crc32(f"{row['set']}/{row['group']}".encode()) % k


def report(rows: list[dict[str, Any]], accept_model: np.ndarray) -> None:
    """Refusals of answerable and acceptances of unanswerable questions, per scenario and set."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for row, model_ok in zip(rows, accept_model, strict=True):
        key = f"{row['scenario']:20} {row['set']:13}"
        old_ok = row["hits"][0]["confidence"] >= THRESHOLD
        cell = table[key]
        if row["answerable"]:
            cell[0] += 1
            cell[1] += not model_ok
            cell[2] += not old_ok
        else:
            cell[3] += 1
            cell[4] += bool(model_ok)
            cell[5] += old_ok
    print(f"{'scenario':20} {'set':13} {'answerable':>10} {'refused':>8} {'(old)':>7} {'null':>6} "
          f"{'accepted':>9} {'(old)':>7}")
    for key in sorted(table):
        n, refused, old_refused, m, accepted, old_accepted = table[key]

        def rate(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "-"

        print(f"{key} {n:>10} {rate(refused, n):>8} {rate(old_refused, n):>7} {m:>6} {rate(accepted, m):>9} "
              f"{rate(old_accepted, m):>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--write", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    rows = load(args.dumps)
    accepted = np.zeros(len(rows), dtype=bool)
    for k in range(args.folds):
        train = [r for r in rows if fold_of(r, args.folds) != k]
        test_index = [i for i, r in enumerate(rows) if fold_of(r, args.folds) == k]
        model = fit(*design(train)[:3])
        x_test, _, _, owner = design([rows[i] for i in test_index], top_only=True)
        probability = predict(model, x_test)
        for position, p in zip(owner, probability, strict=True):
            accepted[test_index[position]] = p >= THRESHOLD
    print(f"{len(rows)} questions; cross-validated ({args.folds} folds by article):")
    report(rows, accepted)
    model = fit(*design(rows)[:3])
    print("\nweights (standardised):", dict(zip(FEATURES, model["weights"], strict=True)), "bias", model["bias"])
    if args.write is not None:
        model["trained_on"] = sorted({f"{r['scenario']}/{r['set']}" for r in rows})
        model["questions"] = len(rows)
        tmp = args.write.with_suffix(".tmp")
        tmp.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(args.write)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
