"""Confirmations: after an action, one short sentence on the next page says what happened.

A handler that redirects after a change names it (see `awards.handlers.see_other`):

    return see_other(request, "categories", season_id=season.id, done=Message("Season created."))

The message travels untranslated (its msgid and parameters) in a cookie on the 303 answer, for
the path redirected to (and the paths below it, as cookies go): the first of those pages shown
(each extends base.html) shows it once, in the reader's language, in a `role="status"` box that
screen readers announce, and its answer clears the cookie. No other page shows it (a public
page opened in another tab, a juror's page); a redirect that lands on another redirect keeps
it until a page under the path shows it.

API: `see_other(..., done=Message(...))` in a handler; nothing else (base.html shows it).

The cookie is signed with the app's secret key: a cookie planted from elsewhere (a sibling
subdomain can set one) must not put words of its choosing on a staff page. It holds nothing
secret, so it is not encrypted. Parameters are text or numbers, or messages themselves.
"""

import base64
import hashlib
import hmac
import json
from typing import Any

from litestar import Request
from litestar.response import Redirect
from litestar.types import Message as AsgiMessage
from litestar.types import Receive, Scope, Send

from awards.i18n import Message
from awards.web import HttpMiddleware, services_of

COOKIE_NAME = "awards_done"
# Set in the request's scope once a page has shown the notice: the cookie's path, to clear it.
_SHOWN = "awards.notice_shown"
_MAX_BYTES = 3000  # browsers keep cookies of up to 4096 bytes, name and attributes included


def _plain(message: Message) -> dict[str, Any]:
    params = {
        key: _plain(value) if isinstance(value, Message) else value
        for key, value in message.params.items()
    }
    return {"m": message.msgid, "p": params}


def _message(data: Any) -> Message:
    params = {
        key: _message(value) if isinstance(value, dict) else value
        for key, value in data["p"].items()
        if isinstance(value, str | int | float | dict)
    }
    return Message(str(data["m"]), **params)


def _encoded(message: Message, path: str) -> bytes:
    """Base64 without its padding: an "=" in a cookie's value has it sent quoted. The path is
    the cookie's own, kept to clear it by."""
    data = json.dumps({**_plain(message), "w": path}, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _signature(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), b"notice:" + body, hashlib.sha256).hexdigest()


def _key(request: Request) -> str:
    return services_of(request.app.state).settings.secret_key


def attach(response: Redirect, request: Request, message: Message, path: str) -> Redirect:
    """Carry `message` on `response`, a redirect to `path`, to the page shown there."""
    body = _encoded(message, path)
    if len(body) > _MAX_BYTES:  # a very long title as a parameter: say it without the details
        body = _encoded(Message("Done."), path)
    response.set_cookie(
        COOKIE_NAME,
        f"{body.decode()}.{_signature(_key(request), body)}",
        path=path,
        httponly=True,
        samesite="lax",
        secure=services_of(request.app.state).settings.cookie_secure,
    )
    return response


def shown(request: Request) -> Message | None:
    """The notice for this page (base.html calls it), and none again after: the answer to this
    request clears the cookie. A cookie whose signature does not match is ignored."""
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    request.scope[_SHOWN] = "/"  # type: ignore[literal-required]
    body, _sep, signature = value.rpartition(".")
    if not hmac.compare_digest(signature, _signature(_key(request), body.encode())):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        request.scope[_SHOWN] = str(data["w"])  # type: ignore[literal-required]
        return _message(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class NoticeMiddleware(HttpMiddleware):
    """Clears the notice's cookie in the answer of the page that showed it, unless that answer
    carries a new one."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: AsgiMessage) -> None:
            path = scope.get(_SHOWN)
            if message["type"] == "http.response.start" and path:
                headers = list(message.get("headers", []))
                prefix = f"{COOKIE_NAME}=".encode()
                if not any(k == b"set-cookie" and v.startswith(prefix) for k, v in headers):
                    expired = f"{COOKIE_NAME}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax"
                    headers.append((b"set-cookie", expired.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)
