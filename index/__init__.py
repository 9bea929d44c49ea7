"""Turn Chinese news articles into a searchable index, and questions into verbatim quotes.

This package never imports :mod:`bot`: it takes plain typed arguments, not the bot's config.
"""
