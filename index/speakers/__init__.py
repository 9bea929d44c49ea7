"""Who said what: people, their roles and their statements, found at index time, and the questions
that ask about them ("威海书记说了什么", "谁说对接青岛就是对接世界").

Everything here is pattern based and pure: no model, no I/O.

- :mod:`~index.speakers.vocabulary`: the one vocabulary of surnames, titles, places and speech verbs;
- :mod:`~index.speakers.names`: whether a string is a personal name, reading one in the text;
- :mod:`~index.speakers.roles`: roles, their places, and the role that labels someone;
- :mod:`~index.speakers.people`: everyone an article names with a role or quotes;
- :mod:`~index.speakers.statements`: what each of them says, verbatim;
- :mod:`~index.speakers.questions`: speaker questions in their common forms;
- :mod:`~index.speakers.matching`: whom a question asks about, and the statements that answer it;
- :mod:`~index.speakers.attribution`: the people and statements of a whole index, for the engine.
"""

from index.speakers.attribution import Attribution, extract
from index.speakers.matching import find_statements, role_matches, speaks_for
from index.speakers.names import plausible_name
from index.speakers.people import extract_people
from index.speakers.questions import SpeakerQuestion, normalise_question, parse_speaker_question
from index.speakers.records import Person, Statement
from index.speakers.roles import best_role, label, split_place
from index.speakers.statements import extract_statements
from index.speakers.vocabulary import PROVINCES

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
