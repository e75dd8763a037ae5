"""Settings, read once from the environment (`AWARDS_*`); tests build their own instances.

Each default is written once, on `Settings`; the environment only replaces what it sets. Every
variable is documented in the README (a test checks that each one is named there).
"""

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _templates_dir() -> Path:
    """The pages: `templates/` at the top of a source checkout (an editable install reads them
    there), `awards/templates` in an installed wheel (setup.py puts them there)."""
    installed = Path(__file__).resolve().parent / "templates"
    return installed if installed.is_dir() else PROJECT_ROOT / "templates"


TEMPLATES_DIR = _templates_dir()


def _secret_key(var_dir: Path) -> str:
    """AWARDS_SECRET_KEY, else a key kept in var/secret_key so that every worker shares it."""
    if key := os.environ.get("AWARDS_SECRET_KEY"):
        return key
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class Argon2Params:
    """argon2id costs; the defaults are RFC 9106's low-memory choice, above OWASP's minimum."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///:memory:"
    base_url: str = ""
    """The address people open, e.g. https://awards.example.org: every link sent to them is
    built from it, and requests for other host names are refused (`awards.hosts`)."""
    allowed_hosts: tuple[str, ...] = ()
    """Further host names requests may carry (another name of the same service)."""
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    cookie_secure: bool = True
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_max_failures: int = 5
    login_max_account_failures: int = 50
    login_max_address_failures: int = 200
    login_lock_minutes: int = 15
    trusted_proxies: str = ""
    activation_max_attempts: int = 30
    staff_require_totp: bool = False
    argon2: Argon2Params = field(default_factory=Argon2Params)
    max_concurrent_hashes: int = 2
    max_body_bytes: int = 8 * 1024 * 1024
    max_form_bytes: int = 256 * 1024
    import_max_rows: int = 20_000
    import_max_unzipped_bytes: int = 50_000_000
    activation_days: int = 30
    sqlite_busy_timeout_ms: int = 10_000
    timezone: str = "Asia/Shanghai"
    contact: str = ""
    """Whom jurors ask about their account or the vote (office, person, phone, e-mail): printed
    on the activation letters."""
    records_dir: Path = PROJECT_ROOT / "var" / "records"
    small_jury_threshold: int = 5
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_sender: str = "awards@localhost"
    smtp_starttls: bool = True
    smtp_ca_file: str = ""
    """A CA certificate file (PEM) that vouches for a private mail server, instead of the system's
    trusted authorities."""
    debug: bool = False

    @classmethod
    def from_env(cls) -> "Settings":
        """Each setting of `FROM_ENVIRONMENT` from its variable (`variable`), else its default
        above. The files the server keeps (the SQLite database, the sealed records, the secret
        key) are under `AWARDS_VAR_DIR`."""
        var_dir = Path(os.environ.get("AWARDS_VAR_DIR", PROJECT_ROOT / "var"))
        kept = cls(
            database_url=f"sqlite+aiosqlite:///{var_dir / 'awards.db'}",
            records_dir=var_dir / "records",
            secret_key=_secret_key(var_dir),
        )
        return _read_environment(kept)


# The settings read from the environment (`argon2.time_cost` is a field of `Settings.argon2`),
# besides the secret key (`_secret_key`); the README documents each variable.
FROM_ENVIRONMENT = (
    "database_url",
    "base_url",
    "allowed_hosts",
    "cookie_secure",
    "session_idle_minutes",
    "session_absolute_hours",
    "login_max_failures",
    "login_max_account_failures",
    "login_max_address_failures",
    "login_lock_minutes",
    "trusted_proxies",
    "activation_max_attempts",
    "staff_require_totp",
    "argon2.time_cost",
    "argon2.memory_kib",
    "argon2.parallelism",
    "max_body_bytes",
    "max_form_bytes",
    "import_max_rows",
    "import_max_unzipped_bytes",
    "activation_days",
    "timezone",
    "contact",
    "records_dir",
    "small_jury_threshold",
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_password",
    "smtp_sender",
    "smtp_starttls",
    "smtp_ca_file",
    "debug",
)
_TRUE = {"1", "true", "yes", "on"}


def variable(setting: str) -> str:
    """The environment variable of a setting: `argon2.time_cost` is AWARDS_ARGON2_TIME_COST."""
    return "AWARDS_" + setting.replace(".", "_").upper()


def _read_environment(defaults: Settings) -> Settings:
    settings: Any = defaults
    for setting in FROM_ENVIRONMENT:
        raw = os.environ.get(variable(setting))
        if raw is not None:
            settings = _replaced(settings, setting.split("."), raw)
    return settings


def _replaced(settings: Any, path: list[str], raw: str) -> Any:
    """`settings` with the field at `path` read from `raw` by the field's type. Numbers and
    switches left empty keep their default; text is taken as it is."""
    name, *rest = path
    current = getattr(settings, name)
    if rest:
        value = _replaced(current, rest, raw)
    elif raw == "" and isinstance(current, bool | int):
        value = current
    else:
        value = _parse(get_type_hints(type(settings))[name], raw)
    return replace(settings, **{name: value})


def _parse(kind: Any, raw: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in _TRUE
    if kind is int:
        return int(raw)
    if kind is Path:
        return Path(raw)
    if kind == tuple[str, ...]:  # a list of names separated by commas or spaces
        return tuple(raw.replace(",", " ").split())
    return raw
