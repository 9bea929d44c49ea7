"""Personal names: whether a string can be one, and reading one at a position of the text.

A name is read, in order of trust, as a name the part-of-speech tagger found there (any name, surname
list or not), a transliterated name with a middle dot ("简·卡斯特"), or a surname and one or two
characters that end where a name can end.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from index.normalization import simplify_many
from index.patterns import compiled
from index.speakers.vocabulary import (
    AFTER_NAME_CHARS,
    AFTER_NAME_WORDS,
    CJK,
    COMPOUND_SURNAMES,
    NOT_NAME_LAST,
    NOT_NAMES,
    SURNAMES,
    TITLE_RE,
)

# Compiled once here (index.patterns) rather than on first use by re's cache, which drops its oldest
# pattern past 512: each CJK class costs a millisecond or more to compile.
_CJK_RUN = compiled(f"[{CJK}]+")
_CJK_CHAR = compiled(f"[{CJK}]")
_CJK_UP_TO_5 = compiled(f"[{CJK}]{{1,5}}")
_CJK_2_TO_4 = compiled(f"[{CJK}]{{2,4}}")


def surname_length(candidate: str) -> int:
    if candidate[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if candidate[:1] in SURNAMES else 0


def plausible_name(candidate: str) -> bool:
    """Whether a 2–4 character string can be a Chinese personal name (surname first, no common word)."""
    if not 2 <= len(candidate) <= 4 or not _CJK_RUN.fullmatch(candidate):
        return False
    surname = surname_length(candidate)
    if surname == 0 or not surname + 1 <= len(candidate) <= surname + 2:
        return False
    if candidate in NOT_NAMES or candidate[:2] in NOT_NAMES or candidate[-1] in NOT_NAME_LAST:
        return False
    return not re.search(TITLE_RE, candidate[surname:])


def _ends_a_name(text: str, at: int) -> bool:
    """Whether a name may end just before ``text[at]``."""
    if at >= len(text) or not _CJK_CHAR.match(text[at]):
        return True
    return text[at] in AFTER_NAME_CHARS or text.startswith(AFTER_NAME_WORDS, at)


def read_name(text: str, at: int, article: str) -> str | None:
    """The name that starts at ``text[at]``, choosing between a two- and a three-character reading."""
    run = _CJK_UP_TO_5.match(text[at:])
    if run is None:
        return None
    surname = surname_length(run.group())
    if surname == 0 or len(run.group()) < surname + 1:
        return None
    short = run.group()[: surname + 1]
    long = run.group()[: surname + 2] if len(run.group()) >= surname + 2 else None
    if long is None or _ends_a_name(text, at + len(short)):
        chosen = short
    elif not _ends_a_name(text, at + len(long)) and _standalone_elsewhere(short, article):
        # Neither reading ends cleanly: trust the one the article also uses on its own ("陈飞视察").
        chosen = short
    else:
        chosen = long
    return chosen if plausible_name(chosen) else None


def _standalone_elsewhere(name: str, article: str) -> bool:
    return any(_ends_a_name(article, m.end()) for m in re.finditer(re.escape(name), article))


# "简·卡斯特", "朱利安·X·尼尔斯": transliterated names join their parts with a middle dot. Without a
# tagger's word boundaries the parts are read short, so "简·卡斯特在" is not one name.
DOTS = "·•・‧"
FOREIGN_NAME_RE = compiled(f"[{CJK}]{{1,3}}(?:[{DOTS}](?:[A-Z]|[{CJK}]{{2,3}}))+(?![{CJK}])")
# Tags of jieba's part-of-speech tagger for personal names (Chinese, foreign, transliterated).
NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
_PART_RE = compiled(f"[{CJK}]{{1,4}}|[A-Z]")


def tagged_names(tags: Iterable[tuple[str, str]]) -> set[str]:
    """The words a part-of-speech tagger marked as personal names (two to four characters), and the
    dotted names it cut into parts ("梅里" "克" "·" "加兰" → 梅里克·加兰)."""
    tokens = list(tags)
    names = {w for w, flag in tokens if flag in NAME_TAGS and _CJK_2_TO_4.fullmatch(w)}
    parts_of_dotted: set[str] = set()
    i = 0
    while i < len(tokens):
        if tokens[i][0] not in DOTS or i == 0:
            i += 1
            continue
        # The first part: the words before the dot while they are a name's (short, tagged or untagged).
        first, j = "", i - 1
        while j >= 0 and _PART_RE.fullmatch(tokens[j][0]) and len(first + tokens[j][0]) <= 4:
            if first and tokens[j][1] not in NAME_TAGS and len(tokens[j][0]) > 1:
                break
            first = tokens[j][0] + first
            j -= 1
        parts, k = [first], i
        while k + 1 < len(tokens) and tokens[k][0] in DOTS and _PART_RE.fullmatch(tokens[k + 1][0]):
            parts.append(tokens[k + 1][0])
            k += 2
        if first and len(parts) > 1 and tokens[k - 1][1] != "nt":
            names.add("·".join(parts))
            parts_of_dotted.update(tokens[m][0] for m in range(j + 1, k))
        i = k + 1
    return names - parts_of_dotted


def name_at(text: str, at: int, article: str, candidates: Collection[str] = ()) -> str | None:
    """The name that starts at ``text[at]``: the longest candidate (tagged) name there, else a dotted
    foreign name, else a surname reading (:func:`read_name`)."""
    known = [c for c in candidates if text.startswith(c, at)]
    if known:
        return max(known, key=len)
    foreign = FOREIGN_NAME_RE.match(text, at)
    if foreign:
        return foreign.group()
    return read_name(text, at, article)


_DOTS_RE = compiled("[·•・‧]")  # compiled once: an index's every name goes through aliases() when it loads


def aliases(name: str) -> tuple[str, ...]:
    """Other ways an article refers to a speaker once named: a dotted name by its last part ("卡斯特"),
    a company without 公司 or 集团 ("苹果")."""
    parts = _DOTS_RE.split(name)
    if len(parts) > 1 and len(parts[-1]) >= 2:
        return (parts[-1],)
    for tail in ("公司", "集团"):
        if name.endswith(tail) and len(name) - len(tail) >= 2:
            return (name[: -len(tail)],)
    return ()


def prepared_names_list(names: list[str]) -> list[str]:
    """Each name simplified as speaker questions look names up (:func:`index.speakers.questions.
    prepared_names`), in order, in one OpenCC call: for the index's name tables, which an add writes
    without importing the question side."""
    return simplify_many(names) if names else []
