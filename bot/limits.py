"""Input limits, and the cleaning every question gets before anything else looks at it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Bidirectional overrides and isolates: they reorder what a reader sees around them (spoofing), and
# carry nothing to search for.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Limits:
    """The bot's input limits, from ``telegram.limits`` in config.yaml."""

    # A longer question is refused with a sentence, before it reaches the searcher.
    question_chars: int = 300
    # Largest upload, in bytes, checked against the size Telegram announces and after the download.
    upload_bytes: int = 5 * 1024 * 1024


def clean_text(text: str) -> str:
    """``text`` without control characters, lone surrogates or bidi overrides; line breaks become spaces.

    Telegram delivers whatever a client sends, including NUL bytes and unpaired surrogates that JSON
    allows but UTF-8 cannot encode: one of those echoed back in a reply would make the reply fail.
    """
    out: list[str] = []
    for ch in _BIDI.sub("", text):
        category = unicodedata.category(ch)
        if category == "Cs":
            continue
        if category == "Cc":
            if ch in "\n\r\t":
                out.append(" ")
            continue
        out.append(ch)
    return "".join(out)


def from_terminal(text: str) -> str:
    """A command-line argument or typed line as valid text: undecodable bytes become U+FFFD.

    Python hands over bytes that are not valid UTF-8 as lone surrogates, which cannot be printed.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
