"""Staff: blank files to fill in for each import (the header row the importer expects)."""

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Response

from awards import i18n
from awards.catalogue import files as catalogue_files
from awards.errors import NotFound
from awards.handlers import download
from awards.jury import jurors
from awards.web import requires_staff

# Each import's columns, and the name of its worksheet.
IMPORTS = {
    "dramas": (catalogue_files.DRAMA_COLUMNS, "dramas"),
    "nominees": (catalogue_files.NOMINEE_COLUMNS, "nominees"),
    "jurors": (jurors.ROSTER_COLUMNS, "jurors"),
}


class ImportTemplateController(Controller):
    path = "/staff/import-templates"
    guards = [requires_staff]  # noqa: RUF012

    @get("/{what:str}/{fmt:str}", name="import.template")
    async def blank_file(self, what: FromPath[str], fmt: FromPath[str]) -> Response[bytes]:
        """In Chinese headers on a Chinese page, English on an English one: the importer takes
        either."""
        if what not in IMPORTS or fmt not in ("csv", "xlsx"):
            raise NotFound("No such file.")
        columns, sheet = IMPORTS[what]
        chinese = i18n.current_locale() == "zh_CN"
        content = catalogue_files.blank_file(columns, fmt, sheet, chinese)
        return download(content, f"{what}-template.{fmt}")
