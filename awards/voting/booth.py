"""What the juror's ballot pages and the JSON API share for a request: the logged-in juror's
ballot sheet for a round open now, and the server's key of the nominee order and the trackers."""

from litestar import Request

from awards.database import Database
from awards.models.base import utcnow
from awards.voting.ballot_sheets import BallotSheet, load_sheet
from awards.web import services_of


def server_secret(request: Request) -> str:
    """The key of the juror's own nominee order and of the tracker tokens."""
    return services_of(request.app.state).settings.secret_key


async def juror_sheet(request: Request, db: Database, round_id: int) -> BallotSheet:
    """The logged-in juror's ballot sheet for a round open now (the browser pages and the API)."""
    return await load_sheet(db, round_id, request.user.id, server_secret(request), utcnow())
