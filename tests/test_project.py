"""Project-wide promises: the README documents every setting and command, every message has a
Chinese translation, and the voting core imports no database or web framework."""

import ast
import dataclasses
import re
from pathlib import Path

import click
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from awards.cli import awards
from awards.i18n import TRANSLATIONS_DIR
from awards.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    code_lines = [line for line in README.splitlines() if line.startswith("./scripts/")]
    assert code_lines[:2] == ["./scripts/serve", "./scripts/test"]


def test_readme_documents_every_setting():
    settings_source = (ROOT / "awards" / "settings.py").read_text()
    names = set(re.findall(r'"(AWARDS_[A-Z_]+)"', settings_source))
    assert names, "settings.py reads no AWARDS_* variables?"
    for name in names | {"AWARDS_TEST_DATABASE_URL"}:
        assert name in README, f"{name} is not documented in README.md"
    assert {f.name for f in dataclasses.fields(Settings)} >= {"database_url", "secret_key"}


def test_readme_documents_every_command():
    for name, command in awards.commands.items():
        children = command.commands if isinstance(command, click.Group) else {}
        for full in [f"awards {name} {child}" for child in children] or [f"awards {name}"]:
            if full == "awards db revision":
                continue  # a developer tool, described under Development
            if full in ("awards rounds open", "awards rounds close"):
                full += " ID"
            assert full in README, f"`{full}` is not documented in README.md"


KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "DomainError": None,
    "NotFound": None,
    "Conflict": None,
    "Busy": None,
    "NotAllowed": None,
}


def _extracted() -> set[str]:
    ids: set[str] = set()
    method_map = [("awards/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT,
        method_map,
        options,
        keywords=KEYWORDS,
        directory_filter=lambda path: not Path(path).name.startswith((".", "__pycache__", "var")),
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_has_a_chinese_translation():
    with (TRANSLATIONS_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    # A plural message (ngettext) is known by its singular; Chinese has its one form.
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else m.string[0]
        )
        for m in catalogue
        if m.id and m.string and (isinstance(m.string, str) or all(m.string))
    }
    missing = sorted(_extracted() - set(translated))
    assert missing == [], f"run ./scripts/i18n and translate: {missing}"
    for msgid, text in translated.items():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", text)), (
            msgid
        )


def test_the_voting_core_imports_no_database_or_web_framework():
    forbidden = ("sqlalchemy", "litestar", "awards", "alembic", "jinja2")
    for path in (ROOT / "ballots").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"
