"""``python -m bot``: the ``quotebot`` command, with its thread settings (:mod:`bot.launch`)."""

from bot.launch import main

main()
