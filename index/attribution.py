"""The engine's entry to who-said-what; the code lives in :mod:`index.speakers`."""

from index.speakers.attribution import Attribution, extract

__all__ = ["Attribution", "extract"]
