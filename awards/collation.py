"""The order of names and titles on every list people read: by pinyin, as Chinese readers
expect (阿 before 北 before 长), not by code point (which puts 长 before 阿 and 北 last).

`sort_key` is the one key: each Chinese character counts as its pinyin with the tone's number
(pypinyin reads the heteronyms of common words by the word: 长安 is chang2 an1), Latin letters
count as themselves without case, and the text itself breaks the remaining ties, so the order
is total and the same on every page and every run. Keys are cached: a catalogue page sorts the
whole season's titles, and the same titles come back on every request.
"""

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")


@lru_cache(maxsize=200_000)
def sort_key(text: str) -> tuple[tuple[str, ...], str]:
    syllables = lazy_pinyin(
        text.strip().casefold(), style=Style.TONE3, neutral_tone_with_five=True, errors="default"
    )
    return tuple(syllables), text


def by_name(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """`items` in the order of `sort_key` on each one's name."""
    return sorted(items, key=lambda item: sort_key(name(item)))
