"""Schema migrations (Alembic), run from the CLI, `scripts/serve` and the tests."""

from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config

from awards.models.base import DateTimeUTC
from awards.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings
    return config


def render_item(kind: str, item: Any, context: Any) -> str | Literal[False]:
    """Autogenerate writes a `DateTimeUTC` column as the plain column it makes, so that no
    migration imports the models (which change after it is written); False: Alembic's default."""
    if kind == "type" and isinstance(item, DateTimeUTC):
        return "sa.DateTime(timezone=True)"
    return False


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def make_revision(settings: Settings, message: str) -> None:
    """Developers: autogenerate a migration from the models (`awards db revision -m ...`)."""
    command.revision(alembic_config(settings), message=message, autogenerate=True)
