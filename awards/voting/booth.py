"""What the juror's ballot pages and the JSON API share for a request: the logged-in juror's
ballot sheet for a round open now, the server's key of the nominee order and the trackers, and
how long the juror's login lasts."""

from litestar import Request

from awards.accounts import sessions
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


def session_seconds(request: Request) -> int:
    """How long the logged-in juror's session lasts without another request (this one counts):
    the ballot pages keep it alive while the juror works and warn before it ends."""
    settings = services_of(request.app.state).settings
    return sessions.seconds_left(request.user, utcnow(), settings)
