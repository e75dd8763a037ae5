"""Domain code says which message; the boundary (a page, the JSON API, a command) translates it,
in the language of whoever reads it."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from awards import i18n
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.i18n import Message
from tests import ROOT

AWARDS = ROOT / "awards"
# Where text meets a reader: controllers, the app's error pages, the request plumbing, the CLI.
BOUNDARIES = ("app.py", "web.py", "handlers.py", "i18n.py", "api.py", "demo.py")


@pytest.fixture
def locale() -> Iterator[None]:
    yield
    i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_a_form_error_is_translated_where_it_is_shown(locale: None) -> None:
    fields = Fields({})
    fields.text("title", required=True)
    with pytest.raises(FormInvalid) as refused:
        fields.finish()
    message = refused.value.errors["title"]
    assert isinstance(message, Message)
    i18n.set_locale("en")
    assert str(message) == "This field is required."
    i18n.set_locale("zh_CN")
    assert str(message) == "此项必填。"
    assert message.__html__() == "此项必填。"


def test_parameters_and_messages_inside_messages_are_translated_too(locale: None) -> None:
    inner = Message("Open")
    outer = Message("The round is %(state)s: only an open round can be closed.", state=inner)
    i18n.set_locale("en")
    assert str(outer) == "The round is Open: only an open round can be closed."
    i18n.set_locale("zh_CN")
    assert str(outer) == "本轮投票状态为“进行中”：只有进行中的投票可以结束。"


def test_a_message_is_escaped_when_a_page_shows_it(locale: None) -> None:
    i18n.set_locale("en")
    assert Message("Unknown value “%(value)s”.", value="<b>").__html__() == (
        "Unknown value “&lt;b&gt;”."
    )


def _translates(path: Path) -> list[str]:
    """Names a module imports from awards.i18n to translate on the spot."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "awards.i18n":
            found += [a.name for a in node.names if a.name in {"_", "gettext", "ngettext"}]
    return found


def test_no_domain_module_translates_on_the_spot() -> None:
    """A domain module that called gettext would fix the language where the problem was found
    (the request's, or none in a command), not where it is read."""
    offenders = {}
    for path in AWARDS.rglob("*.py"):
        name = path.name
        boundary = name in BOUNDARIES or name.endswith("_pages.py") or "cli" in path.parts
        if boundary or name == "cli.py" or "migrations" in path.parts:
            continue
        if names := _translates(path):
            offenders[str(path.relative_to(AWARDS))] = names
    assert offenders == {}
