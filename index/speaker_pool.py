"""Who-said-what's articles found through the segments' name tables (:mod:`index.speaker_table`).

Opening reads no article: the known names are the tables' simplified names, the articles a named
question is about are the tables' postings for that name, those that quote anyone or title anyone are
their flags. An article's people and statements are read from its segment's articles file when a
question is about it, and kept. Dead articles (tombstones, and those an update removed or replaced)
are left out by id; articles an update added are held in memory (:class:`ArticleSpeakers` with their
stored dicts), as the in-memory pool holds every article.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from index.records import ArticleRecord
from index.speaker_table import SpeakerTable
from index.speakers.held import FLAG_OF, ArticleSpeakers, Stored, known_names, lookup_keys
from index.speakers.names import prepared_names_list
from index.speakers.pairs import article_pairs


@dataclass(frozen=True)
class SpeakerLayer:
    """One segment as who-said-what reads it: its article ids by ordinal, its name table, how to read
    an article's people and statements by ordinal, and the ids of its articles that are not live."""

    article_ids: list[str]
    ordinal: Callable[[str], int | None]
    table: SpeakerTable
    read: Callable[[int], Stored]
    dead: frozenset[str] = frozenset()
    _dead_ordinals: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)

    def dead_ordinals(self) -> np.ndarray:
        """The dead articles' ordinals, sorted (found once)."""
        if not self._dead_ordinals:
            found = (self.ordinal(aid) for aid in self.dead)
            self._dead_ordinals.append(np.array(sorted(o for o in found if o is not None), dtype=np.int32))
        return self._dead_ordinals[0]

    def live_ids(self, ordinals: Iterable[int]) -> list[str]:
        ids, dead = self.article_ids, self.dead
        return [aid for aid in (ids[o] for o in ordinals) if aid not in dead]

    def without(self, gone: set[str]) -> SpeakerLayer:
        """The same layer with those of ``gone`` it holds dead too."""
        mine = {aid for aid in gone if self.ordinal(aid) is not None} - self.dead
        return replace(self, dead=self.dead | mine, _dead_ordinals=[]) if mine else self


_Found = tuple[str, "SpeakerLayer | None", int]
"""An article found: its id, its layer (None for one held in memory) and its ordinal there."""


class TablePool:
    """The live articles of an index whose segments all have name tables, plus those added since."""

    def __init__(self, layers: list[SpeakerLayer], extra: dict[str, ArticleSpeakers],
                 load: Callable[[str], ArticleRecord], made: dict[str, ArticleSpeakers] | None = None,
                 name_set: frozenset[str] | None = None) -> None:
        self._layers = layers
        self._extra = extra
        self._load = load
        self._made: dict[str, ArticleSpeakers] = {} if made is None else made
        self._name_set = name_set
        self._kept: dict[str, list[ArticleSpeakers]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def of(layers: list[SpeakerLayer], added: Iterable[tuple[str, Stored]],
           load: Callable[[str], ArticleRecord]) -> TablePool:
        """``added``: articles held in memory (pending ones), by id with their people and statements."""
        return TablePool(layers, {aid: ArticleSpeakers(aid, stored, load) for aid, stored in added}, load)

    # -- names -------------------------------------------------------------------------------------

    def name_set(self) -> frozenset[str]:
        with self._lock:
            if self._name_set is None:
                found: set[str] = set()
                for layer in self._layers:
                    found.update(layer.table.prepared.live(layer.dead_ordinals()))
                found.update(prepared_names_list(sorted(self._extra_names())))
                self._name_set = frozenset(found)
            return self._name_set

    def names(self) -> list[str]:
        found = self._extra_names()
        for layer in self._layers:
            found.update(layer.table.names.live(layer.dead_ordinals()))
        return sorted(found)

    def _extra_names(self) -> set[str]:
        return {n for article in self._extra.values() for n in known_names(article.stored[0])}

    # -- articles ----------------------------------------------------------------------------------

    def _article(self, aid: str, layer: SpeakerLayer, ordinal: int) -> ArticleSpeakers:
        with self._lock:
            article = self._made.get(aid)
            if article is None:
                article = self._made[aid] = ArticleSpeakers(aid, lambda: layer.read(ordinal), self._load)
            return article

    def get(self, article_id: str) -> ArticleSpeakers | None:
        return self._find(article_id, quoting_only=False)

    def quoting(self, article_id: str) -> ArticleSpeakers | None:
        """Without reading an article that its table's flags say quotes nobody: the speaker of every
        quoted passage is looked up, and a reprinted story puts dozens of articles in one answer."""
        return self._find(article_id, quoting_only=True)

    def _find(self, article_id: str, quoting_only: bool) -> ArticleSpeakers | None:
        """The live article of that id: an added one, else the newest layer's; with ``quoting_only``,
        None for one whose table flags say it quotes nobody."""
        extra = self._extra.get(article_id)
        if extra is not None:
            return extra
        for layer in reversed(self._layers):
            ordinal = layer.ordinal(article_id)
            if ordinal is not None and article_id not in layer.dead:
                if quoting_only and not layer.table.flags[ordinal] & FLAG_OF["quotes_anyone"]:
                    return None
                return self._article(article_id, layer, ordinal)
        return None

    def _ordered(self, found: list[_Found]) -> list[ArticleSpeakers]:
        """The articles of (id, layer or None for an added one, ordinal), sorted by id."""
        found.sort(key=lambda f: f[0])
        return [self._extra[aid] if layer is None else self._article(aid, layer, o) for aid, layer, o in found]

    def _from_layers(self, ordinals_of: Callable[[SpeakerLayer], Iterable[int]]) -> list[_Found]:
        found: list[_Found] = []
        for layer in self._layers:
            ids, dead = layer.article_ids, layer.dead
            found.extend((ids[o], layer, o) for o in ordinals_of(layer) if ids[o] not in dead)
        return found

    def named(self, name: str) -> list[ArticleSpeakers]:
        found = self._from_layers(lambda layer: layer.table.keys.find(name).tolist())
        found += [(aid, None, -1) for aid, a in self._extra.items() if name in lookup_keys(*a.stored)]
        return self._ordered(found)

    def flagged(self, test: str) -> list[ArticleSpeakers]:
        with self._lock:
            kept = self._kept.get(test)
        if kept is None:
            bit = FLAG_OF[test]
            found = self._from_layers(lambda layer: layer.table.flagged(bit))
            found += [(aid, None, -1) for aid, a in self._extra.items() if a.flags & bit]
            kept = self._ordered(found)
            with self._lock:
                self._kept[test] = kept
        return kept

    def saying(self, pairs: frozenset[str], needed: int) -> list[ArticleSpeakers]:
        """Through each table's statement pairs; a table written without them gives all its quoting
        articles, and an article held in memory is weighed by its own statements."""
        bit = FLAG_OF["quotes_anyone"]

        def holding(layer: SpeakerLayer) -> Iterable[int]:
            table = layer.table
            if table.said is None:
                return table.flagged(bit)
            found = table.said.holding(pairs, needed)
            return found[(table.flags[found] & bit) != 0].tolist()  # type: ignore[no-any-return]

        found = self._from_layers(holding)
        found += [(aid, None, -1) for aid, a in self._extra.items()
                  if a.flags & bit and len(pairs & article_pairs(a.stored[1])) >= needed]
        return self._ordered(found)

    def among(self, article_ids: Iterable[str]) -> list[ArticleSpeakers]:
        found = (self.get(aid) for aid in sorted(set(article_ids)))
        return [a for a in found if a is not None]

    def every(self) -> list[ArticleSpeakers]:
        found = self._from_layers(lambda layer: range(len(layer.article_ids)))
        found += [(aid, None, -1) for aid in self._extra]
        return self._ordered(found)

    # -- updates -----------------------------------------------------------------------------------

    def updated(self, removed: set[str], added: list[ArticleSpeakers],
                load: Callable[[str], ArticleRecord]) -> TablePool:
        """O(change): the layers get the gone ids as dead, the added articles are held in memory, and
        the known names lose only those of the gone articles that no live article has any more."""
        gone = removed | {a.article_id for a in added}
        old = [a for a in (self.get(aid) for aid in sorted(gone)) if a is not None]
        layers = [layer.without(gone) for layer in self._layers]
        extra = {aid: a.reading_from(load) for aid, a in self._extra.items() if aid not in gone}
        extra.update((a.article_id, a) for a in added)
        with self._lock:
            made = {aid: a.reading_from(load) for aid, a in self._made.items() if aid not in gone}
            name_set = self._name_set
        pool = TablePool(layers, extra, load, made)
        if name_set is not None:
            pool._name_set = pool._names_after(name_set, old, added)
        return pool

    def _names_after(self, before: frozenset[str], old: list[ArticleSpeakers],
                     added: list[ArticleSpeakers]) -> frozenset[str]:
        """``before`` (the known names of the pool this one updates) without the names of the ``old``
        articles that no live article has now, with those of ``added``."""
        lost = sorted({n for a in old for n in known_names(a.stored[0])})
        extra_names = self._extra_names()
        held = set(prepared_names_list(sorted(extra_names)))
        gone = set()
        for prepared in set(prepared_names_list(lost)) - held:
            if not any(layer.live_ids(layer.table.prepared.find(prepared).tolist()) for layer in self._layers):
                gone.add(prepared)
        fresh = prepared_names_list(sorted({n for a in added for n in known_names(a.stored[0])}))
        return (before - gone) | frozenset(fresh)
