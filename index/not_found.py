"""Whether the best passage answers at all: a small logistic model over :mod:`index.evidence`.

The weights (``not_found.json`` beside this module) are fitted by ``benchmarks/not_found_train.py`` on
CMRC 2018 and DRCD dev indexed whole and one article at a time, their unanswerable questions, the
news set and the sample article; the measurements are in ``benchmarks/README.md``. The model reads
the raw cosine of one embedder, so it applies only to the embedder it was fitted for; other
embedders keep the fused confidence of :mod:`index.search`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.errors import QuoteBotError
from index.evidence import FEATURES, Evidence

WEIGHTS = Path(__file__).with_name("not_found.json")


@dataclass(frozen=True)
class NotFoundModel:
    """P(the passage answers | its evidence): standardised features, then a logistic."""

    embedder: str
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    # 0/1 features that refuse a passage outright when 1 (a first content segment it lacks entirely).
    vetoes: tuple[str, ...] = ()

    def probability(self, evidence: Evidence) -> float:
        if any(getattr(evidence, name) >= 1.0 for name in self.vetoes):
            return 0.0
        z = self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, evidence.vector(), self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    @staticmethod
    def load(path: Path) -> NotFoundModel:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if list(raw["features"]) != list(FEATURES):
                raise ValueError(f"features {raw['features']} are not {list(FEATURES)}")
            model = NotFoundModel(
                str(raw["embedder"]),
                tuple(float(v) for v in raw["mean"]),
                tuple(float(v) for v in raw["scale"]),
                tuple(float(v) for v in raw["weights"]),
                float(raw["bias"]),
                tuple(str(v) for v in raw.get("vetoes", ())),
            )
            unknown = set(model.vetoes) - set(FEATURES)
            if unknown:
                raise ValueError(f"vetoes {sorted(unknown)} are no features")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise QuoteBotError(f"The not-found model {path} cannot be read ({exc}); reinstall QuoteBot.") from exc
        if not len(model.mean) == len(model.scale) == len(model.weights) == len(FEATURES):
            raise QuoteBotError(f"The not-found model {path} has {len(model.weights)} weights, not {len(FEATURES)}.")
        return model


@lru_cache(maxsize=4)
def model_for(embedder: str, path: Path = WEIGHTS) -> NotFoundModel | None:
    """The bundled model when it was fitted for ``embedder``; None otherwise (or when there is none)."""
    if not path.is_file():
        return None
    model = NotFoundModel.load(path)
    return model if model.embedder == embedder else None
