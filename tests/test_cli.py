"""The `awards` command: help, staff accounts, no defaults."""

import subprocess
import sys

from sqlalchemy import select

from awards.models import StaffUser
from tests.factories import run_cli, run_db

CLI = [sys.executable, "-m", "awards"]


def test_help_lists_every_command():
    out = subprocess.run([*CLI, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("serve", "db", "staff", "import", "export", "audit"):
        assert command in out


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


def test_short_passwords_and_duplicates_are_refused(settings, tmp_path):
    command = ("staff", "create", "chen", "--password-stdin")
    short = run_cli(settings, tmp_path, *command, stdin="short\n")
    assert short.returncode == 2
    assert "password" in short.stderr
    ok = run_cli(settings, tmp_path, *command, stdin="long enough password\n")
    assert ok.returncode == 0
    again = run_cli(settings, tmp_path, *command, stdin="long enough password\n")
    assert again.returncode == 2


def test_no_account_exists_until_one_is_created(settings):
    assert run_db(settings, lambda s: s.scalars(select(StaffUser)), write=False).all() == []
