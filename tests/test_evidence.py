"""Evidence that a passage answers, and the not-found model over it: sentences written for the tests."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from index.errors import QuoteBotError
from index.evidence import FEATURES, Evidence, asked_role, measure, names_holder
from index.not_found import NotFoundModel, model_for
from index.questions import analyse


def evidence(question: str, passage: str, cosine: float = 0.9) -> Evidence:
    return measure(analyse(question, speakers=False), passage, cosine)


def test_a_passage_holding_every_content_word() -> None:
    found = evidence("东湖大桥有多长", "东湖大桥全长1200米，去年建成。")
    assert found.content == found.pairs == found.segments == found.weakest == 1.0
    assert found.typed == 1.0 and found.exact == 1.0 and found.dense == 0.9


def test_question_words_are_no_evidence_to_miss() -> None:
    # 叫什么名字 is not in the passage, and must not count against it.
    found = evidence("滨江市长叫什么名字", "滨江市长王立新出席了开幕式。")
    assert found.content == 1.0 and found.weakest == 1.0


def test_a_place_the_passage_lacks_is_the_weakest_segment() -> None:
    other_city = evidence("西宁的高温津贴标准是多少", "山东的高温津贴标准为每月120元。")
    assert other_city.weakest == 0.0
    assert 0.5 < other_city.content < 1.0  # most of the words are there; one segment is not


def test_the_first_segment_is_what_the_question_is_about() -> None:
    other_company = evidence("星海公司的芯片叫什么", "东方公司发布的芯片名为玄武一号。")
    assert other_company.first == 0.5 and other_company.weakest == 0.5  # 公司 is there, 星海 is not
    assert evidence("东湖大桥有多长", "东湖大桥全长1200米。").first == 1.0


def test_prepositions_between_words_do_not_hide_a_missing_place() -> None:
    # 包头 and 生育补贴 are measured apart: the passage has one of them.
    found = evidence("北海对生育家庭补贴多少钱", "南宁对生育家庭补贴5000元。")
    assert found.first == 0.0 and found.weakest == 0.0


def test_numbers_must_be_there_verbatim() -> None:
    assert evidence("天舟九号什么时候发射", "天舟八号于去年发射。").exact == 0.0
    assert evidence("天舟八号什么时候发射", "天舟八号于去年发射。").exact == 1.0
    assert evidence("iPhone 15卖多少钱", "iphone 14售价799美元。").exact == 0.5  # 15 missing, iphone there
    assert evidence("PM2.5排放低多少", "pm２．５排放低80%。").exact == 1.0  # full-width is the same number


@pytest.mark.parametrize(
    ("question", "passage", "typed"),
    [
        ("东湖大桥有多长", "东湖大桥全长1200米。", 1.0),
        ("东湖大桥有多长", "东湖大桥风景优美。", 0.0),
        ("东湖大桥哪一年建成", "东湖大桥于2019年建成。", 1.0),
        ("东湖大桥哪一年建成", "东湖大桥由市政公司建成。", 0.0),
        ("滨江市长是谁", "滨江市长王立新出席了开幕式。", 1.0),
        ("滨江市长是谁", "滨江市长出席了开幕式。", 0.0),
        ("为什么推迟开学", "由于台风影响，学校推迟开学。", 1.0),
        ("东湖大桥", "东湖大桥全长1200米。", 0.5),  # no kind of answer asked
    ],
)
def test_the_asked_for_kind_of_answer(question: str, passage: str, typed: float) -> None:
    assert evidence(question, passage).typed == typed


def write_model(path: Path, embedder: str = "fake", weights: list[float] | None = None) -> Path:
    model = {
        "features": list(FEATURES),
        "embedder": embedder,
        "mean": [0.0] * len(FEATURES),
        "scale": [1.0] * len(FEATURES),
        "weights": weights or [0.0] * len(FEATURES),
        "bias": 0.0,
    }
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def test_the_model_is_a_logistic_of_the_evidence(tmp_path: Path) -> None:
    weights = [2.0] + [0.0] * (len(FEATURES) - 1)  # only the content share counts
    model = NotFoundModel.load(write_model(tmp_path / "m.json", weights=weights))
    half = Evidence(**{name: 0.0 for name in FEATURES})
    full = Evidence(**{name: 1.0 if name == "content" else 0.0 for name in FEATURES})
    assert model.probability(half) == 0.5
    assert model.probability(full) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_the_model_applies_only_to_its_embedder(tmp_path: Path) -> None:
    path = write_model(tmp_path / "m.json", embedder="fake")
    assert model_for("fake", path) is not None
    assert model_for("another", path) is None
    assert model_for("fake", tmp_path / "missing.json") is None


def test_a_broken_model_is_an_error_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"features": ["content"]}', encoding="utf-8")
    with pytest.raises(QuoteBotError, match="broken.json cannot be read"):
        NotFoundModel.load(path)


def test_the_bundled_model_fits_the_features() -> None:
    bundled = Path(__file__).resolve().parent.parent / "index" / "not_found.json"
    if not bundled.is_file():
        pytest.skip("no bundled model")
    model = NotFoundModel.load(bundled)
    assert len(model.weights) == len(FEATURES)
    # More of the question in the passage can only make an answer likelier.
    shared = {"absent": 0.0, "exact": 1.0, "typed": 0.5, "dense": 0.85, "length": 2.0}
    weak = Evidence(**{name: 0.2 for name in FEATURES} | shared)
    strong = Evidence(**{name: 1.0 for name in FEATURES} | shared)
    assert model.probability(strong) > model.probability(weak)
    # A passage without any of the question's first segment is refused outright.
    assert model.probability(Evidence(**{name: 1.0 for name in FEATURES} | {"dense": 0.95})) == 0.0


def test_a_veto_refuses_whatever_the_rest_says(tmp_path: Path) -> None:
    path = write_model(tmp_path / "m.json", weights=[5.0] * len(FEATURES))
    raw = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(raw | {"vetoes": ["absent"]}), encoding="utf-8")
    model = NotFoundModel.load(path)
    sure = {name: 1.0 for name in FEATURES}
    assert model.probability(Evidence(**sure | {"absent": 0.0})) > 0.99
    assert model.probability(Evidence(**sure)) == 0.0
    path.write_text(json.dumps(raw | {"vetoes": ["color"]}), encoding="utf-8")
    with pytest.raises(QuoteBotError, match="vetoes"):
        NotFoundModel.load(path)


def test_the_title_whose_holder_is_asked() -> None:
    assert asked_role(analyse("星海公司的总经理叫什么名字")) == "总经理"
    assert asked_role(analyse("临川市长是谁")) == "市长"
    # Not asked for a person, or asked what a person said: no title to check.
    assert asked_role(analyse("星海公司的总经理有几个")) is None
    assert asked_role(analyse("谁发布了新车")) is None


def test_a_passage_names_a_title_holder_or_not() -> None:
    assert names_holder("临川市委副书记、市长周明远出席", "市长")
    assert names_holder("公司总经理为李文涛", "总经理")
    assert names_holder("这次谈判由李文涛总经理主持", "总经理")
    assert names_holder("首席执行官安娜·贝克说", "首席执行官")
    # A name the article is known to hold, even one no surname list knows.
    assert names_holder("总统特拉维斯当天表示", "总统", ["特拉维斯"])
    assert not names_holder("三年间换过四个总经理,财务总监却没换", "总经理")
    assert not names_holder("总经理办公室里堆满了纸箱", "总经理")
    # Search checks the title's head (经理 of 总经理): "车间的生产经理称" names no holder either.
    assert not names_holder("车间的生产经理称,订单少了一半", "经理")
    assert names_holder("副总经理林海涛说,订单少了一半", "经理")


@pytest.mark.parametrize(
    "segment",
    ["海滨市委书记", "湾区经济圈一体化", "港城", "海", "南湾港集团有限公司", "市委书记李明远", ""],
)
def test_the_longest_part_found_is_what_trying_every_part_finds(segment: str) -> None:
    from index.evidence import _longest_found

    text = "海滨市委书记李明远说，海滨将积极接轨港城，融入湾区经济圈，南湾港集团也来了。"

    def every_part(seg: str) -> int:
        parts = [seg[i:j] for i in range(len(seg)) for j in range(i + 1, len(seg) + 1)]
        return max((len(p) for p in parts if p in text), default=0)

    assert _longest_found(segment, text) == every_part(segment)
