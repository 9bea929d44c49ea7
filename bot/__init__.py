"""The Telegram side of QuoteBot: handlers, HTML rendering, access control, the terminal chat and the CLI."""
