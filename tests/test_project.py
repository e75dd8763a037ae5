"""Project-wide promises: the README documents every setting and command, every message has a
Chinese translation, the voting core imports no database or web framework, and the suite reads
nothing outside the repository (its data is under tests/data, byte for byte as its sources)."""

import ast
import dataclasses
import hashlib
import re
from pathlib import Path

import click
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import ballots.cli
from awards.cli import awards
from awards.i18n import TRANSLATIONS_DIR
from awards.settings import FROM_ENVIRONMENT, Settings, variable
from tests import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_commands():
    code_lines = [line for line in README.splitlines() if line.startswith("./scripts/")]
    assert code_lines[:2] == ["./scripts/serve", "./scripts/test"]


def test_readme_documents_every_setting():
    settings_source = (ROOT / "awards" / "settings.py").read_text()
    names = set(re.findall(r'"(AWARDS_[A-Z_]+)"', settings_source))
    names |= {variable(setting) for setting in FROM_ENVIRONMENT}
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


def test_readme_documents_the_auditors_commands():
    subparsers = next(a for a in ballots.cli.build_parser()._actions if a.dest == "command")
    for name in subparsers.choices:
        assert f"`python -m ballots {name} " in README, f"`python -m ballots {name}` is missing"


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


# How a test could reach outside the repository: up past its root from a file in tests/ (two
# levels below the root's parent), a path built through "..", the sibling folder the spec and the
# data once came from, or an absolute path on one machine. (A ".." inside a string is often a
# test's hostile input, such as an id "../x", and is allowed.)
ESCAPES = {
    r"parent\.parent\.parent": "three .parent from tests/ leave the repository",
    r"parents\[[2-9]\]": "two parents up from a file in tests/ is outside the repository",
    r"""(?:/\s*|Path\(\s*)["']\.\.""": "a path built through ..",
    r"""["'/]shared["'/]""": "the sibling shared folder is not part of the repository",
    r"""["']/(?:work|home|srv|opt)/""": "an absolute path on one machine",
}


def test_no_test_reads_anything_outside_the_repository():
    """A plain clone runs the whole suite: the spec's worked example and the PrefLib elections
    are in tests/data, and no test may look for files beside the project."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for pattern, why in ESCAPES.items():
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {why}: {line.strip()}")
    assert found == []


def test_the_documents_point_only_inside_the_repository():
    """The specification and the README cite files of the repository, and each one exists."""
    for name in ("README.md", "docs/election-record.md"):
        text = (ROOT / name).read_text()
        assert not re.search(r"\.\./", text), f"{name} points outside the repository"
        for cited in re.findall(r"`((?:docs|tests/data)/[^`\s]*)`", text):
            assert (ROOT / cited).exists(), f"{name} cites {cited}, which is not there"


def test_each_data_folder_cites_its_sources_and_holds_its_files_unchanged():
    """Test data is kept byte for byte: a reformatted record no longer matches the SHA-256 its
    results were made from, and a changed PrefLib file would count a different election
    unnoticed. Ruff leaves tests/data alone (pyproject.toml) and git converts no line endings
    in it (.gitattributes)."""
    folders = sorted(p for p in (ROOT / "tests" / "data").iterdir() if p.is_dir())
    assert {f.name for f in folders} >= {"preflib", "spec-example"}
    for folder in folders:
        assert "Source:" in (folder / "README.md").read_text(), f"{folder.name}: no source cited"
        sums = {}
        for line in (folder / "SHA256SUMS").read_text().splitlines():
            digest, name = line.split("  ", 1)
            sums[name] = digest
        files = {p.name for p in folder.iterdir()} - {"README.md", "SHA256SUMS"}
        assert set(sums) == files, f"{folder.name}: SHA256SUMS does not list exactly its files"
        for name, digest in sums.items():
            actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            assert actual == digest, f"tests/data/{folder.name}/{name} has changed"
