"""The `awards` command: help, staff accounts, no defaults."""

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from sqlalchemy import select

from awards.cli import awards, main
from awards.i18n import DEFAULT_LOCALE, current_locale
from awards.models import StaffUser
from tests.factories import make_season, run_cli, run_db
from tests.records import one_category_record

# The console script that `pip install` made from the entry point, beside this interpreter.
AWARDS = Path(sys.executable).with_name("awards")

# What operators type: every command with its arguments and options, as the README documents
# them (the move from argparse to click kept each one).
INTERFACE = {
    "serve": ({"--host", "--port", "--workers", "--no-demo"}, []),
    "db upgrade": (set(), ["revision"]),
    "db revision": ({"-m", "--message"}, []),
    "staff create": ({"--name", "--role", "--password-stdin"}, ["username"]),
    "import": ({"--season"}, ["what", "file"]),
    "export": ({"--season"}, ["what", "file"]),
    "rounds tick": (set(), []),
    "rounds open": (set(), ["round_id"]),
    "rounds close": (set(), ["round_id"]),
    "tally": ({"--record", "--round", "--json", "--html", "--lang", "--csv", "--full"}, []),
    "verify": ({"--record", "--results", "--public"}, []),
    "audit verify": (set(), []),
}


# The top-level commands, in the order of `awards --help` and of the README's Commands table.
TOP_LEVEL = ("serve", "db", "staff", "import", "export", "rounds", "tally", "verify", "audit")


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _commands(command, f"{prefix}{name} ")
        else:
            found[prefix + name] = command
    return found


def test_the_installed_command_lists_every_command_and_exits_with_the_status():
    """The entry point itself, as a process: `awards` from .venv/bin."""
    done = subprocess.run([AWARDS, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for command in ("serve", "db", "staff", "import", "export", "rounds", "tally", "audit"):
        assert f"  {command} " in done.stdout
    refused = subprocess.run([AWARDS, "tally"], capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert "--record" in refused.stderr


def test_every_command_keeps_its_arguments_and_options():
    commands = _commands(awards)
    assert set(commands) == set(INTERFACE)
    for name, (options, arguments) in INTERFACE.items():
        params = commands[name].params
        flags = {flag for p in params if isinstance(p, click.Option) for flag in p.opts}
        assert flags == options, name
        assert [p.name for p in params if isinstance(p, click.Argument)] == arguments, name


@pytest.mark.parametrize("command", ["", *INTERFACE])
def test_every_command_has_help(capsys, command):
    for flag in ("--help", "-h"):
        assert main([*command.split(), flag]) == 0
        assert capsys.readouterr().out.startswith(f"Usage: awards {command}".rstrip() + " ")


@pytest.mark.parametrize(
    ("group", "order"),
    [("", list(TOP_LEVEL)), ("db", ["upgrade", "revision"]), ("rounds", ["tick", "open", "close"])],
)
def test_help_lists_the_commands_in_the_readme_s_order(capsys, group, order):
    """As argparse listed them (and the README does), not sorted by name: the move to click
    kept the top level's order and sorted the groups' (`rounds`: close, open, tick)."""
    assert main([*group.split(), "--help"]) == 0
    listed = capsys.readouterr().out.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in listed.splitlines() if line.startswith("  ")]
    assert names == order


def test_a_command_in_process_leaves_this_process_as_a_process_of_its_own_would(settings, tmp_path):
    """`tally --html --lang en` sets the locale (a context variable) for its report; run
    in-process it once left this process in English, and a later test's messages with it."""
    record = tmp_path / "record.json"
    record.write_bytes(one_category_record("approval", ["a"], [{"approve": ["a"]}], max_choices=1))
    html = tmp_path / "report.html"
    done = run_cli(
        settings, tmp_path, "tally", "--record", str(record), "--html", str(html), "--lang", "en"
    )
    assert done.returncode == 0, done.stderr
    assert 'lang="en"' in html.read_text()
    assert current_locale() == DEFAULT_LOCALE


def test_staff_create_reads_the_password_from_stdin(settings, tmp_path, browser):
    done = run_cli(
        settings,
        tmp_path,
        *("staff", "create", "chen", "--name", "陈老师", "--password-stdin"),
        stdin="a long enough password\n",
    )
    assert done.returncode == 0, done.stderr
    user = run_db(settings, lambda s: s.scalar(select(StaffUser)), write=False)
    assert (user.username, user.display_name) == ("chen", "陈老师")
    assert user.password_hash.startswith("$argon2id$")
    assert browser.login("chen", "a long enough password").status_code == 303


def test_staff_create_asks_for_the_password_twice(settings, tmp_path):
    command = ("staff", "create", "chen")
    differ = run_cli(settings, tmp_path, *command, stdin="a long enough password\nanother one\n")
    assert differ.returncode == 2
    assert "两次输入的密码不一致" in differ.stderr
    assert "a long enough password" not in differ.stdout  # typed unseen
    same = run_cli(settings, tmp_path, *command, stdin="a long enough password\n" * 2)
    assert same.returncode == 0, same.stderr
    assert same.stdout.startswith("密码：\n再次输入密码：\n"), same.stdout


def test_staff_create_refuses_an_empty_password_typed_at_the_prompt(settings, tmp_path):
    """Enter on its own is a password too short, refused with the rule (exit 2), as with
    argparse and getpass; click's prompt asked again instead, and at the end of the input
    gave up with "Aborted!" (exit 1)."""
    done = run_cli(settings, tmp_path, "staff", "create", "chen", stdin="\n\n")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "密码：请使用 12 到 128 个字符。" in done.stderr
    assert done.stdout == "密码：\n再次输入密码：\n"


def test_short_passwords_and_duplicates_are_refused(settings, tmp_path):
    command = ("staff", "create", "chen", "--password-stdin")
    short = run_cli(settings, tmp_path, *command, stdin="short\n")
    assert short.returncode == 2
    assert "密码：" in short.stderr
    ok = run_cli(settings, tmp_path, *command, stdin="long enough password\n")
    assert ok.returncode == 0
    again = run_cli(settings, tmp_path, *command, stdin="long enough password\n")
    assert again.returncode == 2


def test_no_account_exists_until_one_is_created(settings):
    assert run_db(settings, lambda s: s.scalars(select(StaffUser)), write=False).all() == []


@pytest.mark.parametrize(
    "args",
    [
        ("export", "dramas", "{tmp}/no-such-folder/dramas.xlsx", "--season", "2024"),
        ("export", "dramas", "{tmp}", "--season", "2024"),  # a folder, not a file
        ("import", "dramas", "{tmp}/missing.csv", "--season", "2024"),
    ],
)
def test_a_file_that_cannot_be_used_is_one_line_not_a_traceback(settings, tmp_path, args):
    """Issue 11: `awards export` into a missing folder ended in a traceback; every command
    says which file and why, and exits 2."""
    run_db(settings, make_season)
    done = run_cli(settings, tmp_path, *(a.format(tmp=tmp_path) for a in args))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(tmp_path) in done.stderr


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            None,
            {
                "prompts": "密码：\n再次输入密码：\n",
                "differ": "两次输入的密码不一致",
                "done": "已创建工作人员账号 chen。",
                "missing": "无法使用 {file}：文件或文件夹不存在。",
                "cell": "第 2 行，“集数”列 “三十”：",
                "base url": "AWARDS_BASE_URL 必须是大家打开的网址",
            },
        ),
        (
            "en_GB.UTF-8",
            {
                "prompts": "Password: \nRepeat password: \n",
                "differ": "The passwords do not match.",
                "done": "Staff account chen created.",
                "missing": "Cannot use {file}: no such file or folder.",
                "cell": "line 2, column 集数 “三十”: ",
                "base url": "AWARDS_BASE_URL must be the address people open",
            },
        ),
    ],
)
def test_each_command_speaks_the_terminals_language(settings, tmp_path, lang, said):
    """Issue 11 (English): a command's own lines, its prompts and the domain's messages it
    prints are in one language, the terminal's (LANG; Chinese unless it names English):
    before, English prompts and frames held Chinese messages."""
    command = ("staff", "create", "chen")
    differ = run_cli(settings, tmp_path, *command, stdin="long enough password\nother\n", lang=lang)
    assert differ.stdout == said["prompts"]
    assert said["differ"] in differ.stderr
    done = run_cli(settings, tmp_path, *command, stdin="long enough password\n" * 2, lang=lang)
    assert said["done"] in done.stdout
    missing = tmp_path / "missing.csv"
    absent = run_cli(
        settings, tmp_path, "import", "dramas", str(missing), "--season", "x", lang=lang
    )
    assert absent.returncode == 2
    assert said["missing"].format(file=missing) in absent.stderr
    source = tmp_path / "d.csv"
    source.write_text("剧名,类型,集数\n归队,电视剧,三十\n", encoding="utf-8")
    run_db(settings, lambda s: make_season(s, "2024"))
    rejected = run_cli(
        settings, tmp_path, "import", "dramas", str(source), "--season", "2024", lang=lang
    )
    assert rejected.returncode == 1
    assert said["cell"] in rejected.stderr
    nowhere = run_cli(settings, tmp_path, "serve", "--host", "0.0.0.0", "--no-demo", lang=lang)  # noqa: S104
    assert nowhere.returncode == 2
    assert said["base url"] in nowhere.stderr
    if lang is not None:
        for ran in (differ, done, absent, nowhere):
            assert not CJK.search(ran.stdout + ran.stderr), ran
        [line] = [x for x in rejected.stderr.splitlines() if "line 2" in x]
        assert not CJK.search(line.replace("集数 “三十”", "")), line
