"""`awards serve`: migrate, load the demo season into an empty database, serve with uvicorn."""

import os
import sys

import click
from sqlalchemy import select

from awards import demo, hosts, migrate
from awards.accounts.passwords import Passwords
from awards.cli.boundary import console, err, run
from awards.database import Database
from awards.i18n import gettext
from awards.models import AuditEvent
from awards.settings import Settings
from awards.trustees import demo as demo_trustees

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def ensure_demo(settings: Settings) -> demo.DemoLogin | None:
    """Load the demo season into an empty database; returns the login to print, once."""

    async def work(db: Database) -> demo.DemoLogin | None:
        async with db.transaction() as session:
            if not await demo.is_empty(session):
                return None
            has_events = await session.scalar(select(AuditEvent.seq).limit(1))
            if has_events:
                return None
            password = demo.random_password()
            password_hash = Passwords(settings.argon2, 1).hash_sync(password)
            directory = settings.records_dir.parent / "demo-trustees"
            return await demo.load(session, password_hash, password, directory)

    return run(settings, work)


def _print_trustees(login: demo.DemoLogin, url: str) -> None:
    """The demo round is sealed: how its demo trustees decrypt it once staff have closed it."""
    console.print(
        gettext(
            "It is a sealed round. Its three demo trustees' key files (DEMO ONLY: a real "
            "trustee keeps their own, on their own computer) are in %(folder)s.",
            folder=login.trustee_keys[0].parent,
        ),
        markup=False,
    )
    console.print(
        gettext(
            "After closing it, download the box file from the round's page and, in the folder "
            "it was saved to, let two trustees decrypt it; then upload both files there and "
            "count:"
        ),
        markup=False,
    )
    python = sys.executable  # the project's .venv/bin/python: it works from any folder
    for key in login.trustee_keys[:2]:
        console.print(
            f"  AWARDS_TRUSTEE_PASSPHRASE={demo_trustees.PASSPHRASE} {python} -m ballots "
            f"trustee decrypt --box box-final.json --key {key}",
            markup=False,
            soft_wrap=True,
        )


@click.command(help="migrate, load demo data into an empty database, serve")
@click.option("--host", default="127.0.0.1", help="the address to listen on")
@click.option("--port", type=int, default=8000, help="the port to listen on")
@click.option("--workers", type=int, default=1, help="uvicorn worker processes")
@click.option("--no-demo", is_flag=True, help="never load demo data")
def serve(host: str, port: int, workers: int, no_demo: bool) -> int:
    import uvicorn

    if host in LOOPBACK:
        # Plain http on loopback: a Secure cookie would never come back from the browser.
        os.environ.setdefault("AWARDS_COOKIE_SECURE", "false")
        # Nobody else can open it, so its own address is the public one.
        bracketed = f"[{host}]" if ":" in host else host
        os.environ.setdefault("AWARDS_BASE_URL", f"http://{bracketed}:{port}")
    settings = Settings.from_env()
    try:
        url = hosts.base_url(settings) + "/"
    except hosts.UnusableBaseUrl as exc:
        err.print(str(exc.message), style="red", markup=False)
        return 2
    migrate.upgrade(settings)
    login = None if no_demo else ensure_demo(settings)
    listening = gettext(
        "Awards listening on %(host)s:%(port)s, at %(url)s", host=host, port=port, url=url
    )
    console.print(listening, markup=False)
    if login:
        console.print(gettext("Demo data loaded. Staff login (shown only this once):"))
        console.print("  " + gettext("User name: %(name)s", name=login.username), markup=False)
        console.print(
            "  " + gettext("Password: %(password)s", password=login.password), markup=False
        )
        activate = gettext(
            "Demo jurors: activate at %(url)s with these one-time codes:",
            url=f"{url}juror/activate",
        )
        console.print(activate, markup=False)
        for email, code in login.juror_codes:
            console.print(f"  {email}  [bold]{code}[/bold]")
        console.print(gettext("The demo round %(name)s is open for them.", name="2024 年度终评"))
        _print_trustees(login, url)
    uvicorn.run(
        "awards.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        # Client addresses decide the login limits: X-Forwarded-For is believed only from the
        # proxies named (uvicorn's default believes any client on 127.0.0.1).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )
    return 0
