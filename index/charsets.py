"""Bytes → text by detection: a page's declared charset is a hint, not the truth.

Portal pages often declare ``gb2312`` in ``<meta>`` while the bytes are UTF-8 (a template copied
from an older site), so UTF-8 is tried strictly first: legacy Chinese bytes almost never form valid
UTF-8, while trusting a wrong declaration gives mojibake. Then the declared charset (HTTP header or
``<meta>``), then a detector for what is left.
"""

from __future__ import annotations

import codecs
import re

# Control characters other than tab/newline/CR mean binary data, whatever the codec says.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# GB2312 and GBK are subsets of GB18030: the superset decodes pages that use a rarer character.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
              "big5": "big5hkscs", "ascii": "utf-8", "us-ascii": "utf-8", "iso-8859-1": "cp1252"}


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset named by an HTTP ``Content-Type`` header, else by the page's first ``<meta>``."""
    if content_type:
        header = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
        if header:
            return _known(header.group(1))
    meta = _META_CHARSET.search(data[:8192])
    return _known(meta.group(1).decode("ascii", "ignore")) if meta else None


def _known(name: str) -> str | None:
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return None if _CONTROL.search(text) else text


def detect_text(data: bytes, declared: str | None = None) -> str | None:
    """Decode ``data``: BOM, strict UTF-8, the declared charset, GB18030, then a detector; None if binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16")
    candidates = ["utf-8"]
    if declared and declared not in candidates:
        candidates.append(declared)
    candidates.append("gb18030")
    for encoding in candidates:
        text = _strict(data, encoding)
        if text is not None:
            return text
    return _detected(data)


def _detected(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return None
    return _strict(data, best.encoding)
