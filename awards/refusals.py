"""What the framework refuses, said as sentences a person understands: a JSON body that is not
JSON, a field of the wrong type, unknown or missing (msgspec's words, through Litestar's
ValidationException), a request without its CSRF token. Messages, translated where shown
(`awards.app`'s error handlers); the framework's own wording never reaches the reader."""

import re
from collections.abc import Mapping
from typing import Any

from awards.i18n import N_, Message

# msgspec names JSON types so; each as a reader would say it.
_TYPES = {
    "object": N_("an object"),
    "array": N_("a list"),
    "str": N_("text"),
    "int": N_("a whole number"),
    "float": N_("a number"),
    "bool": N_("true or false"),
}
_UNKNOWN = re.compile(r"Object contains unknown field `(.+)`")
_MISSING = re.compile(r"Object missing required field `(.+)`")
_TYPE = re.compile(r"Expected `(\w+)`, got `\w+`")
_LONG = re.compile(r"Expected `(str|array|object)` of length <= (\d+)")

NOT_JSON = N_("The request body is not valid JSON.")
CSRF_DETAIL = "CSRF token verification failed"  # Litestar's CSRF middleware says this
CSRF_PAGE = N_(
    "The form was sent without its security token, or with an old one. Reload the page and"
    " try again."
)
CSRF_API = N_(
    "The request came without its security token (the csrftoken cookie, sent back in the"
    " x-csrftoken header), or with an old one. Reload the page and try again."
)


def invalid_body(errors: Any) -> Message:
    """The first of a ValidationException's errors (Litestar's `extra`: a list of
    {"message", "key"}), as a sentence; `key` names the field ("data": the body itself)."""
    first = errors[0] if isinstance(errors, list) and errors else {}
    text = str(first.get("message", "")) if isinstance(first, Mapping) else ""
    key = str(first.get("key", "")) if isinstance(first, Mapping) else ""
    inside = "" if key in ("", "data") else key
    if found := _UNKNOWN.fullmatch(text):
        field = ".".join(filter(None, (inside, found[1])))
        return Message("The request has a field this API does not take: “%(field)s”.", field=field)
    if found := _MISSING.fullmatch(text):
        field = ".".join(filter(None, (inside, found[1])))
        return Message("The request lacks the field “%(field)s”.", field=field)
    if not inside:
        return Message("The request body is not what this API takes.")
    if (found := _TYPE.fullmatch(text)) and found[1] in _TYPES:
        expected = Message(_TYPES[found[1]])
        return Message(
            "“%(field)s” has the wrong type: it must be %(expected)s.",
            field=inside,
            expected=expected,
        )
    if found := _LONG.fullmatch(text):
        if found[1] == "str":
            return Message(
                "“%(field)s” is too long: at most %(n)s characters.", field=inside, n=found[2]
            )
        return Message("“%(field)s” has too many items: at most %(n)s.", field=inside, n=found[2])
    return Message("“%(field)s” is not valid.", field=inside)
