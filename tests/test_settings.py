"""Settings from the environment: a variable that is not set leaves the setting's default (the one
written on `Settings`), and each kind of value is read as the README describes it."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from awards.settings import Argon2Params, Settings


@pytest.fixture
def environment(monkeypatch, tmp_path) -> Path:
    """No AWARDS_* variable but the folder the server keeps its files in."""
    for name in list(os.environ):
        if name.startswith("AWARDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWARDS_VAR_DIR", str(tmp_path))
    return tmp_path


def test_unset_variables_leave_the_defaults(environment):
    settings = Settings.from_env()
    kept = (environment / "secret_key").read_text().strip()
    assert len(kept) == 64
    assert settings == Settings(
        database_url=f"sqlite+aiosqlite:///{environment / 'awards.db'}",
        records_dir=environment / "records",
        secret_key=kept,
    )
    assert Settings.from_env().secret_key == kept  # kept once, shared by every worker


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        (
            "AWARDS_DATABASE_URL",
            "postgresql+psycopg://u@h/db",
            {"database_url": "postgresql+psycopg://u@h/db"},
        ),
        (
            "AWARDS_BASE_URL",
            "https://awards.example.org",
            {"base_url": "https://awards.example.org"},
        ),
        (
            "AWARDS_ALLOWED_HOSTS",
            "a.example.org, b.example.org c",
            {"allowed_hosts": ("a.example.org", "b.example.org", "c")},
        ),
        ("AWARDS_SECRET_KEY", "k" * 40, {"secret_key": "k" * 40}),
        ("AWARDS_COOKIE_SECURE", "no", {"cookie_secure": False}),
        ("AWARDS_COOKIE_SECURE", "", {}),  # empty: the default
        ("AWARDS_STAFF_REQUIRE_TOTP", " Yes ", {"staff_require_totp": True}),
        ("AWARDS_SESSION_IDLE_MINUTES", "45", {"session_idle_minutes": 45}),
        ("AWARDS_LOGIN_MAX_FAILURES", "", {}),  # empty: the default
        ("AWARDS_ARGON2_MEMORY_KIB", "19456", {"argon2": Argon2Params(memory_kib=19456)}),
        ("AWARDS_TIMEZONE", "Europe/Paris", {"timezone": "Europe/Paris"}),
        ("AWARDS_RECORDS_DIR", "/var/lib/awards", {"records_dir": Path("/var/lib/awards")}),
        ("AWARDS_SMTP_PORT", "2525", {"smtp_port": 2525}),
        ("AWARDS_SMTP_SENDER", "", {"smtp_sender": ""}),  # text is taken as it is, even empty
        ("AWARDS_DEBUG", "1", {"debug": True}),
    ],
)
def test_a_variable_sets_its_setting(environment, monkeypatch, variable, raw, expected):
    unset = Settings.from_env()
    monkeypatch.setenv(variable, raw)
    assert Settings.from_env() == replace(unset, **expected)
