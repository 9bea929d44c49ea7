"""jieba's part-of-speech HMM, decoded faster to the same path.

jieba's tagger decodes each run of characters its dictionary does not cut (names among them) with a
Viterbi search over 256 states (B/M/E/S × tag). Its loop scores every state of the previous character
against every state that may follow, most pairs impossible (a missing transition scores -inf), through
a generator of tuples: 0.14 s of the 0.25 s an add spends finding a 3,000-character article's people
(issue 13). Here each state looks only at the states that can precede it (the transition table turned
round once per table), with the same sums added in the same order and the same tie rule (the larger
state wins, as ``max`` over (score, state) pairs does), so every path, and every tag, is jieba's.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

# jieba's score of a character a state never emits (jieba.posseg.viterbi.MIN_FLOAT).
MIN_FLOAT = -3.14e100

State = Hashable
Predecessors = dict[State, list[tuple[State, float]]]

_LOCK = threading.Lock()
_TURNED: list[tuple[Mapping[Any, Any], Predecessors]] = []


def predecessors(trans_p: Mapping[Any, Mapping[Any, float]]) -> Predecessors:
    """Each state's possible previous states and the transition's score, made once per table."""
    with _LOCK:
        for table, turned in _TURNED:
            if table is trans_p:
                return turned
        turned = {state: [] for state in trans_p}
        for before, nexts in trans_p.items():
            for state, score in nexts.items():
                turned.setdefault(state, []).append((before, score))
        _TURNED.append((trans_p, turned))
        return turned


def best_path(
    obs: Sequence[str],
    states: Mapping[str, Sequence[Any]],
    start_p: Mapping[Any, float],
    trans_p: Mapping[Any, Mapping[Any, float]],
    emit_p: Mapping[Any, Mapping[str, float]],
) -> tuple[float, list[Any]]:
    """``jieba.posseg.viterbi.viterbi(obs, states, start_p, trans_p, emit_p)``: the best path's score
    and its state per character."""
    before = predecessors(trans_p)
    all_states = trans_p.keys()
    scores: dict[Any, float] = {}
    back: list[dict[Any, Any]] = [{}]
    for state in states.get(obs[0], all_states):
        scores[state] = start_p[state] + emit_p[state].get(obs[0], MIN_FLOAT)
        back[0][state] = ""
    for t in range(1, len(obs)):
        char = obs[t]
        expected: set[Any] = set()
        for state in scores:
            expected.update(trans_p[state])
        if not expected:
            # No state of the previous character leads anywhere: jieba's own search decides (it fails).
            from jieba.posseg.viterbi import viterbi

            return tuple(viterbi(obs, states, start_p, trans_p, emit_p))  # type: ignore[return-value]
        candidates = set(states.get(char, all_states)) & expected or expected
        now: dict[Any, float] = {}
        came: dict[Any, Any] = {}
        for state in candidates:
            emit = emit_p[state].get(char, MIN_FLOAT)
            best: float | None = None
            best_from: Any = None
            for prev, trans in before[state]:
                score = scores.get(prev)
                if score is None:
                    continue
                total = score + trans + emit  # jieba's sum, in jieba's order: the same float
                if best is None or total > best or (total == best and prev > best_from):
                    best, best_from = total, prev
            assert best is not None  # ``expected`` holds only states some previous state leads to
            now[state] = best
            came[state] = best_from
        scores = now
        back.append(came)
    score, state = max((scores[s], s) for s in back[-1])
    route: list[Any] = [None] * len(obs)
    for i in range(len(obs) - 1, -1, -1):
        route[i] = state
        state = back[i][state]
    return score, route


def fast_tagger_class(posseg: Any) -> Any:
    """A subclass of ``posseg.POSTokenizer`` (jieba.posseg) that decodes with :func:`best_path` over
    the module's own HMM tables; everything else is jieba's."""
    with _LOCK:
        made = getattr(posseg, "_quotebot_fast_tagger", None)
        if made is not None:
            return made

        class FastTagger(posseg.POSTokenizer):  # type: ignore[misc, name-defined]
            # jieba calls its HMM step as ``self.__cut``, which Python names ``_POSTokenizer__cut``.
            def _POSTokenizer__cut(self, sentence: str) -> Any:  # noqa: N802
                _, route = best_path(sentence, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P,
                                     posseg.emit_P)
                begin = after = 0
                for i, char in enumerate(sentence):
                    position, tag = route[i]
                    if position == "B":
                        begin = i
                    elif position == "E":
                        yield posseg.pair(sentence[begin : i + 1], tag)
                        after = i + 1
                    elif position == "S":
                        yield posseg.pair(char, tag)
                        after = i + 1
                if after < len(sentence):
                    yield posseg.pair(sentence[after:], route[after][1])

        posseg._quotebot_fast_tagger = FastTagger
        return FastTagger
