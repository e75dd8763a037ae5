"""Settings, read once from the environment (`AWARDS_*`); tests build their own instances.

Every setting is documented in the README (a test checks that each field below is named there).
"""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _templates_dir() -> Path:
    """The pages: `templates/` at the top of a source checkout (an editable install reads them
    there), `awards/templates` in an installed wheel (setup.py puts them there)."""
    installed = Path(__file__).resolve().parent / "templates"
    return installed if installed.is_dir() else PROJECT_ROOT / "templates"


TEMPLATES_DIR = _templates_dir()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else int(raw)


def _env_list(name: str) -> tuple[str, ...]:
    """A list of names separated by commas or spaces."""
    return tuple(part for part in os.environ.get(name, "").replace(",", " ").split() if part)


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
        var_dir = Path(os.environ.get("AWARDS_VAR_DIR", PROJECT_ROOT / "var"))
        return cls(
            database_url=os.environ.get(
                "AWARDS_DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'awards.db'}"
            ),
            base_url=os.environ.get("AWARDS_BASE_URL", ""),
            allowed_hosts=_env_list("AWARDS_ALLOWED_HOSTS"),
            secret_key=_secret_key(var_dir),
            cookie_secure=_env_bool("AWARDS_COOKIE_SECURE", True),
            session_idle_minutes=_env_int("AWARDS_SESSION_IDLE_MINUTES", 30),
            session_absolute_hours=_env_int("AWARDS_SESSION_ABSOLUTE_HOURS", 12),
            login_max_failures=_env_int("AWARDS_LOGIN_MAX_FAILURES", 5),
            login_max_account_failures=_env_int("AWARDS_LOGIN_MAX_ACCOUNT_FAILURES", 50),
            login_max_address_failures=_env_int("AWARDS_LOGIN_MAX_ADDRESS_FAILURES", 200),
            login_lock_minutes=_env_int("AWARDS_LOGIN_LOCK_MINUTES", 15),
            trusted_proxies=os.environ.get("AWARDS_TRUSTED_PROXIES", ""),
            activation_max_attempts=_env_int("AWARDS_ACTIVATION_MAX_ATTEMPTS", 30),
            staff_require_totp=_env_bool("AWARDS_STAFF_REQUIRE_TOTP", False),
            max_body_bytes=_env_int("AWARDS_MAX_BODY_BYTES", 8 * 1024 * 1024),
            max_form_bytes=_env_int("AWARDS_MAX_FORM_BYTES", 256 * 1024),
            import_max_rows=_env_int("AWARDS_IMPORT_MAX_ROWS", 20_000),
            import_max_unzipped_bytes=_env_int("AWARDS_IMPORT_MAX_UNZIPPED_BYTES", 50_000_000),
            activation_days=_env_int("AWARDS_ACTIVATION_DAYS", 30),
            argon2=Argon2Params(
                time_cost=_env_int("AWARDS_ARGON2_TIME_COST", Argon2Params.time_cost),
                memory_kib=_env_int("AWARDS_ARGON2_MEMORY_KIB", Argon2Params.memory_kib),
                parallelism=_env_int("AWARDS_ARGON2_PARALLELISM", Argon2Params.parallelism),
            ),
            timezone=os.environ.get("AWARDS_TIMEZONE", "Asia/Shanghai"),
            records_dir=Path(os.environ.get("AWARDS_RECORDS_DIR", var_dir / "records")),
            small_jury_threshold=_env_int("AWARDS_SMALL_JURY_THRESHOLD", 5),
            smtp_host=os.environ.get("AWARDS_SMTP_HOST", ""),
            smtp_port=_env_int("AWARDS_SMTP_PORT", 587),
            smtp_username=os.environ.get("AWARDS_SMTP_USERNAME", ""),
            smtp_password=os.environ.get("AWARDS_SMTP_PASSWORD", ""),
            smtp_sender=os.environ.get("AWARDS_SMTP_SENDER", "awards@localhost"),
            smtp_starttls=_env_bool("AWARDS_SMTP_STARTTLS", True),
            smtp_ca_file=os.environ.get("AWARDS_SMTP_CA_FILE", ""),
            debug=_env_bool("AWARDS_DEBUG", False),
        )
