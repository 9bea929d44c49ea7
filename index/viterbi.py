"""jieba's part-of-speech HMM, decoded faster to the same path.

jieba's tagger decodes each run of characters its dictionary does not cut (names among them) with a
Viterbi search over 256 states (B/M/E/S × tag). Its loop scores every state of the previous character
against every state that may follow, most pairs impossible (a missing transition scores -inf), through
a generator of tuples: 0.14 s of the 0.25 s an add spent finding a 3,000-character article's people
(issue 13). Here each step is a few array operations over the states present and the states that may
follow, with the same sums added in the same order (float64, as Python's floats) and the same tie rule
(the larger state wins, as ``max`` over (score, state) pairs does), so every path, and every tag, is
jieba's.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# jieba's score of a character a state never emits (jieba.posseg.viterbi.MIN_FLOAT).
MIN_FLOAT = -3.14e100

Tables = tuple[Mapping[str, Sequence[Any]], Mapping[Any, float], Mapping[Any, Mapping[Any, float]],
               Mapping[Any, Mapping[str, float]]]
"""jieba's HMM: each character's possible states, start, transition and emission log-probabilities."""


class Model:
    """The HMM's transitions as a matrix over the states in ascending order (a later row is a larger
    state, which wins a tie), made once per set of tables."""

    def __init__(self, tables: Tables) -> None:
        states, start_p, trans_p, emit_p = tables
        self.tables = tables
        self.names = sorted(trans_p)
        self.index = {state: i for i, state in enumerate(self.names)}
        size = len(self.names)
        self.trans = np.full((size, size), -np.inf)
        for before, nexts in trans_p.items():
            for state, score in nexts.items():
                self.trans[self.index[before], self.index[state]] = score
        self.leads = np.isfinite(self.trans)
        self.start = np.array([start_p[state] for state in self.names], dtype=np.float64)
        self.every = np.arange(size)
        self._emit = [emit_p[state] for state in self.names]
        self._states_of: dict[str, np.ndarray] = {}

    def states_of(self, char: str) -> np.ndarray:
        """The states ``char`` may take, ascending; all of them for a character the HMM never saw."""
        found = self._states_of.get(char)
        if found is None:
            listed = self.tables[0].get(char)
            found = self.every if listed is None else np.array(sorted(map(self.index.__getitem__, listed)),
                                                                dtype=np.intp)
            self._states_of[char] = found  # a few integers per character of the language, at most
        return found

    def emit(self, char: str, states: np.ndarray) -> np.ndarray:
        emit = self._emit
        return np.array([emit[i].get(char, MIN_FLOAT) for i in states.tolist()], dtype=np.float64)


_LOCK = threading.Lock()
_MODELS: list[Model] = []


def model_of(tables: Tables) -> Model:
    with _LOCK:
        for model in _MODELS:
            if all(a is b for a, b in zip(model.tables, tables, strict=True)):
                return model
        model = Model(tables)
        _MODELS.append(model)
        return model


def best_path(
    obs: str,
    states: Mapping[str, Sequence[Any]],
    start_p: Mapping[Any, float],
    trans_p: Mapping[Any, Mapping[Any, float]],
    emit_p: Mapping[Any, Mapping[str, float]],
) -> tuple[float, list[Any]]:
    """``jieba.posseg.viterbi.viterbi(obs, states, start_p, trans_p, emit_p)``: the best path's score
    and its state per character."""
    model = model_of((states, start_p, trans_p, emit_p))
    present = model.states_of(obs[0])
    scores = model.start[present] + model.emit(obs[0], present)
    came: list[np.ndarray] = []  # per step: each candidate's best previous state
    steps: list[np.ndarray] = []  # per step: the candidates, ascending
    for char in obs[1:]:
        expected = model.leads[present].any(axis=0)
        if not expected.any():
            # No state of the previous character leads anywhere: jieba's own search decides (it fails).
            from jieba.posseg.viterbi import viterbi

            return tuple(viterbi(obs, states, start_p, trans_p, emit_p))  # type: ignore[return-value]
        allowed = np.zeros(len(model.names), dtype=bool)
        allowed[model.states_of(char)] = True
        allowed &= expected
        candidates = np.flatnonzero(allowed if allowed.any() else expected)
        totals = scores[:, None] + model.trans[np.ix_(present, candidates)]
        totals += model.emit(char, candidates)  # jieba's sum, in jieba's order: the same float
        rows = len(present) - 1 - np.argmax(totals[::-1], axis=0)  # a tie: the last row, the larger state
        scores = totals[rows, np.arange(len(candidates))]
        came.append(present[rows])
        steps.append(candidates)
        present = candidates
    last = len(present) - 1 - int(np.argmax(scores[::-1]))
    state = int(present[last])
    route: list[Any] = [None] * len(obs)
    route[-1] = model.names[state]
    for t in range(len(obs) - 2, -1, -1):
        state = int(came[t][int(np.searchsorted(steps[t], state))])
        route[t] = model.names[state]
    return float(scores[last]), route


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
