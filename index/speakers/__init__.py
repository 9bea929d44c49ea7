"""Who said what: people, their roles and their statements, found at index time, and the questions
that ask about them ("威海书记说了什么", "谁说对接青岛就是对接世界").

Everything here is pattern based and pure: no model, no I/O.

- :mod:`~index.speakers.vocabulary`: the one vocabulary of surnames, titles, places and speech verbs;
- :mod:`~index.speakers.names`: whether a string is a personal name, reading one in the text;
- :mod:`~index.speakers.roles`: roles, their places, and the role that labels someone;
- :mod:`~index.speakers.people`: everyone an article names with a role or quotes;
- :mod:`~index.speakers.statements`: what each of them says, verbatim;
- :mod:`~index.speakers.extraction`: the people and statements of one article, at index time;
- :mod:`~index.speakers.questions`: speaker questions in their common forms;
- :mod:`~index.speakers.matching`: whom a question asks about, and the statements that answer it;
- :mod:`~index.speakers.attribution`: the people and statements of a whole index, for the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.speakers.attribution import Attribution
    from index.speakers.extraction import extract
    from index.speakers.matching import find_statements, role_matches, speaks_for
    from index.speakers.names import plausible_name
    from index.speakers.people import extract_people
    from index.speakers.questions import SpeakerQuestion, normalise_question, parse_speaker_question
    from index.speakers.records import Person, Statement
    from index.speakers.roles import best_role, label, split_place
    from index.speakers.statements import extract_statements
    from index.speakers.vocabulary import PROVINCES

# Each name's module, imported when the name is first used: importing one module of the package (the
# index's name tables import ``index.speakers.held``) must not import them all, the question side's
# patterns with them (issue 13: a fresh ``quotebot index add`` never asks a question).
_HOME = {
    "Attribution": "index.speakers.attribution",
    "extract": "index.speakers.extraction",
    "find_statements": "index.speakers.matching",
    "role_matches": "index.speakers.matching",
    "speaks_for": "index.speakers.matching",
    "plausible_name": "index.speakers.names",
    "extract_people": "index.speakers.people",
    "SpeakerQuestion": "index.speakers.questions",
    "normalise_question": "index.speakers.questions",
    "parse_speaker_question": "index.speakers.questions",
    "Person": "index.speakers.records",
    "Statement": "index.speakers.records",
    "best_role": "index.speakers.roles",
    "label": "index.speakers.roles",
    "split_place": "index.speakers.roles",
    "extract_statements": "index.speakers.statements",
    "PROVINCES": "index.speakers.vocabulary",
}


__all__ = [
    "PROVINCES",
    "Attribution",
    "Person",
    "SpeakerQuestion",
    "Statement",
    "best_role",
    "extract",
    "extract_people",
    "extract_statements",
    "find_statements",
    "label",
    "normalise_question",
    "parse_speaker_question",
    "plausible_name",
    "role_matches",
    "speaks_for",
    "split_place",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
