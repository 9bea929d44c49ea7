"""Telegram's HTML subset, checked as the Bot API does: known tags only, properly nested, text escaped."""

from __future__ import annotations

from html.parser import HTMLParser

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
    "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip
# Attributes Telegram knows, per tag (href of links, the expandable flag of block quotes…).
ALLOWED_ATTRIBUTES = {"a": {"href"}, "blockquote": {"expandable"}, "span": {"class"}, "code": {"class"},
                      "tg-emoji": {"emoji-id"}, "pre": set()}  # fmt: skip


class TelegramHTMLError(ValueError):
    """Markup Telegram would refuse with "can't parse entities"."""


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested, with text escaped."""

    def __init__(self) -> None:
        # Entities are resolved by hand, so that a raw "<" in the data can be told from an escaped one.
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}"')
        unknown = {name for name, _ in attrs} - ALLOWED_ATTRIBUTES.get(tag, set())
        if unknown:
            raise TelegramHTMLError(f'Unsupported attribute "{sorted(unknown)[0]}" of tag "{tag}"')
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            raise TelegramHTMLError('Tag "span" must have class "tg-spoiler"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f'Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise TelegramHTMLError(f'Unexpected end tag "{tag}"')
        if self.stack[-1] != tag:
            raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        # A raw "<" that did not open a tag is still an error for Telegram.
        if "<" in data:
            raise TelegramHTMLError("Unexpected character '<'")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        # Telegram knows only these four named entities.
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            raise TelegramHTMLError(f'Unsupported HTML entity "&{name};"')
        self.text.append(named[name])

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def parse_html(markup: str) -> str:
    """The plain text of ``markup`` as Telegram shows it, or :class:`TelegramHTMLError`."""
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.stack:
        raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


