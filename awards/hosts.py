"""The service's public address: the base URL that every link sent to people is built from
(activation letters, the codes CSV, e-mails), and the host names a request may carry.

Links never come from a request's Host header: anyone can send any Host, and a letter printed
after such a request would send jurors, with their activation codes, to the sender's server. So
the base URL is configured (`AWARDS_BASE_URL`; `awards serve` on loopback sets
`http://127.0.0.1:PORT`), the app does not start without a usable one, and a request whose Host
names neither the base URL's host nor one of `AWARDS_ALLOWED_HOSTS` is refused with 400 before
anything reads the database (the same check stops DNS rebinding). The port is not compared:
the name is what says which site a browser meant, and proxies differ in passing the port on.
"""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.types import ASGIApp, Receive, Scope, Send

from awards.errors import DomainError
from awards.i18n import N_, Message
from awards.settings import Settings

# A Host header: a name or an IPv4 address, or an IPv6 address in brackets; then a port, or not.
_HOST = re.compile(r"(?P<name>[a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?")


class UnusableBaseUrl(ValueError):
    """A ValueError in English (the app does not start); `message` says it in the reader's
    language (`awards serve`)."""

    def __init__(self, raw: str) -> None:
        self.message = Message(
            "AWARDS_BASE_URL must be the address people open, such as"
            " https://awards.example.org (it is %(raw)s); links are built from it.",
            raw=repr(raw),
        )
        super().__init__(self.message.msgid % self.message.params)


def base_url(settings: Settings) -> str:
    """The configured base URL, without a trailing slash. UnusableBaseUrl, naming the setting,
    when it is missing or is not an http(s) address without query, fragment or credentials."""
    raw = settings.base_url.strip()
    parts = urlsplit(raw)
    try:
        usable = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not (parts.query or parts.fragment or parts.username or parts.password)
            and (parts.port is None or parts.port > 0)
        )
    except ValueError:  # a port that is not a number
        usable = False
    if not usable:
        raise UnusableBaseUrl(raw)
    return raw.rstrip("/")


def public_url(settings: Settings, path: str) -> str:
    """An absolute link for people: the base URL and an app path (from `route_reverse`)."""
    return base_url(settings) + path


def host_name(header: str) -> str | None:
    """The name in a Host header: lower case, without the port, brackets or a final dot; None
    when the header is not a host at all (`a@b`, `a:b:c`, empty)."""
    match = _HOST.fullmatch(header.strip().lower())
    if match is None:
        return None
    return match["name"].strip("[]").removesuffix(".") or None


def allowed_hosts(settings: Settings) -> frozenset[str]:
    own = urlsplit(base_url(settings)).hostname or ""
    return frozenset(
        name for name in (host_name(h) for h in (own, *settings.allowed_hosts)) if name
    )


class WrongHost(DomainError):
    status_code = 400

    def __init__(self, url: str) -> None:
        super().__init__(N_("This is not this service's address: open %(url)s instead."), url=url)


class AllowedHostsMiddleware:
    """Refuses a request for a host name the service does not have; `refuse` is the app's own
    answer to a domain error (a page, or JSON under /api/), so the refusal is in the visitor's
    language. It runs inside the locale and security-header middleware, before any other."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        refuse: Callable[[Request, DomainError], Response],
    ) -> None:
        self.app = app
        self.hosts = allowed_hosts(settings)
        self.url = base_url(settings)
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = next((v for k, v in scope["headers"] if k == b"host"), b"")
            if host_name(header.decode("latin-1")) not in self.hosts:
                request: Request = Request(scope, receive)
                answer = self.refuse(request, WrongHost(self.url))
                await answer.to_asgi_response(app=None, request=request)(scope, receive, send)
                return
        await self.app(scope, receive, send)
