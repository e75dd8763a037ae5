"""zh-CN first, English second: Babel message catalogues, chosen per request.

msgids are English; `translations/zh_CN/LC_MESSAGES/messages.po` holds the Chinese. The `.po`
files are compiled in memory at start-up, so there is no build step and no `.mo` to forget.
The request's locale lives in a context variable set by `LocaleMiddleware` (cookie `lang`).
"""

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import escape

LOCALES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LOCALE = "zh_CN"
COOKIE_NAME = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_current: ContextVar[str] = ContextVar("awards_locale", default=DEFAULT_LOCALE)
_catalogues: dict[str, NullTranslations] = {}


def _load(locale: str) -> NullTranslations:
    path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(fp=buffer)


def translations(locale: str) -> NullTranslations:
    if locale not in _catalogues:
        _catalogues[locale] = _load(locale)
    return _catalogues[locale]


def accepted(header: str) -> str | None:
    """The first of our locales an Accept-Language header asks for ("en-GB,en;q=0.9" -> en,
    "zh-TW" -> zh_CN: the one Chinese there is), by its q values; None if it asks for neither."""
    ranked = []
    for position, item in enumerate(header.split(",")):
        tag, _sep, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-weight, position, tag.strip().lower().split("-")[0]))
    for weight, _position, language in sorted(ranked):
        for locale in LOCALES:
            if weight < 0 and locale.lower().split("_")[0] == language:
                return locale
    return None


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Messages turned to text within are in `locale`: for what is written in more than one
    language at once (an e-mail in Chinese and English), whatever the reader's own."""
    token = _current.set(locale)
    try:
        yield
    finally:
        _current.reset(token)


def current_locale() -> str:
    return _current.get()


def gettext(message: str, **params: Any) -> str:
    text = translations(current_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


_ = gettext


def msgid_of(text: str, msgids: Iterable[str]) -> str | None:
    """Which of `msgids` reads `text` in some language: text stored in the words of whoever
    wrote it (an offered reason chosen in English or in Chinese), to show in the reader's."""
    for msgid in msgids:
        if any(translations(locale).gettext(msgid) == text for locale in LOCALES):
            return msgid
    return None


class Message:
    """What to say, said later: a message id and its parameters. Domain code raises errors that
    hold these; they are translated where they are shown (a page, a JSON answer, a command's
    output), in that reader's language. Parameters may be messages themselves."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return gettext(self.msgid, **self.params)

    def __html__(self) -> str:
        """Jinja escapes what it shows through this: the translation, escaped."""
        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.msgid, self.params) == (other.msgid, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.params!r})"


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (e.g. error tables)."""
    return message


def in_language(name: str, name_en: str | None) -> str:
    """A name entered in Chinese and maybe in English (a category's, a drama's): the English
    one in English mode, where it was entered."""
    return name_en if name_en and current_locale() == "en" else name


# Zones people name by a word rather than by their offset; any other zone shows its offset.
ZONE_LABELS = {
    "Asia/Shanghai": N_("Beijing time"),
    "Asia/Chongqing": N_("Beijing time"),
    "Asia/Harbin": N_("Beijing time"),
    "Asia/Urumqi": N_("Xinjiang time"),
    "Asia/Hong_Kong": N_("Hong Kong time"),
    "Asia/Macau": N_("Macau time"),
    "Asia/Taipei": N_("Taipei time"),
    "UTC": "UTC",
    "Etc/UTC": "UTC",
}


def zone_label(zone: str, at: datetime) -> str:
    """The zone as people name it, at the instant `at`: 北京时间 / "Beijing time" for China's
    zone (and a few others by name), else its offset then ("UTC+01:00"), never its tz
    database name."""
    label = ZONE_LABELS.get(zone)
    if label is None:
        offset = at.astimezone(ZoneInfo(zone)).strftime("%z")  # +0100
        label = f"UTC{offset[:3]}:{offset[3:]}"
    return gettext(label)


def zone_name(zone: str) -> str:
    """The zone for a time not yet typed (a form's label): 北京时间 where people have a name for
    it, else its tz database name ("Europe/Berlin"), since its offset may differ by season."""
    label = ZONE_LABELS.get(zone)
    return zone if label is None else gettext(label)


def local_time(value: datetime | None, zone: str) -> str:
    """An aware datetime shown in the association's zone, with the zone named as people say it:
    "2024-05-01 20:00 北京时间" (see `zone_label`)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M ") + zone_label(zone, value)
