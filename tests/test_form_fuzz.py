"""Issue 9 (inputs): a fuzzer over every form of the app. The routes are found in `app.routes`
(each POST handler whose body is a form), so a new form is fuzzed without a word here; one that
this file cannot fill fails the test until its fields are listed in FORMS. Each route gets its
fields (and unknown ones) with repeated values, oversized values, unicode digits, huge numbers,
control characters and empty values, its path ids now and then replaced by bad ones, logged in
as the route needs: whatever is sent, the answer is never a server error."""

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar.enums import RequestEncodingType
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from awards.app import create_app
from awards.models.staff import ROLES
from awards.settings import Settings
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, juror_login
from tests.test_uploads import MALFORMED, VALID

HOSTILE = [
    "",
    " ",
    "²",
    "٣",
    "9" * 30,
    "-1",
    "0",
    "+1",
    "1_0",
    " 1",
    "1e3",
    "x" * 5000,
    "\x00",
    "a\x1bb",
    "a\nb",
    "\u202eevil",
    "🙂",
    "=1+1",
    "' OR 1=1 --",
    "%00",
    "n1",
    "2024-02-30",
    "2024-01-01T10:00",
]
TEXT, ID, IDS, NUMBER, DATE, TIME, FILE = "text", "id", "ids", "number", "date", "time", "file"
SEASON = {"code": TEXT, "name": TEXT, "year": NUMBER}
CATEGORY = {
    "code": TEXT,
    "name": TEXT,
    "name_en": TEXT,
    "subject": ["work", "person"],
    "method": ["approval", "borda", "irv", "schulze", "score_mean", "score_trimmed_mean"],
    "winners": NUMBER,
    "max_choices": NUMBER,
    "score_min": NUMBER,
    "score_max": NUMBER,
    "trim": NUMBER,
    "quorum": NUMBER,
    "disclosure": ["full", "counts", "ranking", "winners"],
    "shortlist_size": NUMBER,
    "panels": ["main", "other"],
}
DRAMA = {
    "title": TEXT,
    "title_en": TEXT,
    "kind": ["tv", "web", "other", "电视剧"],
    "companies": TEXT,
    "broadcaster": TEXT,
    "episodes": NUMBER,
    "first_aired_on": DATE,
    "synopsis": TEXT,
}
JUROR = {"name": TEXT, "organisation": TEXT, "email": ["x@example.org"], "phone": TEXT}
LOGIN = {"username": ["editor", "juror0@example.org"], "password": TEXT, "next": ["/staff"]}
PASSWORDS = {"password": TEXT, "password_repeat": TEXT}
BALLOT = "ballot"  # the fields of the juror's ballot sheet
# Route name -> its fields: a kind, or a list of values the form itself would send.
FORMS: dict[str, Any] = {
    "login.submit": LOGIN,
    "activate.submit": {"code": TEXT, **PASSWORDS},
    "season.create": SEASON,
    "season.update": SEASON,
    "category.create": CATEGORY,
    "category.update": CATEGORY,
    "category.move": {"direction": ["up", "down"]},
    "drama.create": DRAMA,
    "drama.update": DRAMA,
    "drama.import.submit": {"file": FILE},
    "nominee.add": {
        "drama_id": ID,
        "person_name": TEXT,
        "person_role": TEXT,
        "q": TEXT,
        "page": NUMBER,
    },
    "nominee.remove": {"q": TEXT, "page": NUMBER},
    "nominee.import.submit": {"file": FILE},
    "juror.create": {**JUROR, "panels": ["main", "main other"]},
    "juror.update": {**JUROR, "panels": ["main", "other"]},
    "panel.create": {"code": TEXT, "name": TEXT},
    "juror.recusal": {
        "nominee_id": ID,
        "decision": ["recuse", "lift", "clear"],
        "reason": TEXT,
        "note": TEXT,
        "q": TEXT,
        "show": ["recused", "all"],
        "page": ID,
    },
    "jury.import": {"file": FILE},
    "round.final": {"code": TEXT, "name": TEXT, "carry": IDS, "tie-1": ["all", "lot"]},
    "round.category.settings": {
        k: v for k, v in CATEGORY.items() if k not in ("code", "name", "name_en", "subject")
    },
    "round.nominee.add": {"nominee_id": ID},
    "round.nominee.remove": {"nominee_id": ID},
    "jury.codes": {
        "juror_ids": IDS,
        "who": ["chosen", "inactive", "all"],
        "format": ["letters", "csv", "email"],
        "confirm": ["yes"],
    },
    "round.create": {"code": TEXT, "name": TEXT, "kind": ["nomination", "final"]},
    "round.schedule": {"opens_at": TIME, "closes_at": TIME, "confirm": ["yes"]},
    "round.open": {"confirm": ["yes"]},
    "round.close": {"confirm": ["yes"]},
    "round.publish": {"confirm": ["yes"]},
    "round.trustees": {"names": TEXT, "threshold": NUMBER, "plain": ["1"]},
    "round.trustees.document": {"text": TEXT},
    "round.count": {"confirm": ["yes"]},
    "round.extend": {"closes_at": TIME},
    "round.remind": {"confirm": ["yes"]},
    "drama.delete": {"confirm": ["yes"]},
    "round.categories": {"categories": IDS},
    "juror.affiliations.add": {"company": TEXT, "drama_id": ID, "role": TEXT},
    "juror.ballot.edit": BALLOT,
    "juror.review": BALLOT,
    "juror.cast": BALLOT,
    "juror.password.submit": {"current": TEXT, **PASSWORDS},
    "login.code.submit": {"code": TEXT, "next": ["/staff"]},
    "second_factor.confirm": {"code": TEXT},
    "second_factor.recovery_codes": {"code": TEXT},
    "staff_account.create": {"username": TEXT, "display_name": TEXT, "role": list(ROLES)},
    "staff_account.role": {"role": list(ROLES)},
    "staff_account.active": {"active": ["0", "1"]},
}
FORM_BODIES = {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}


def form_routes(app) -> list[tuple[str, str, str, bool]]:
    """(name, path, who, multipart) of every POST handler whose body is a form."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            media = getattr(data.kwarg_definition, "media_type", None) if data else None
            if "POST" not in handler.http_methods or media not in FORM_BODIES:
                continue
            guards = {guard.__name__ for guard in handler.resolve_guards()}
            staff = any(name.startswith("requires_staff") for name in guards)
            who = "staff" if staff else "juror" if guards else "anyone"
            multipart = media == RequestEncodingType.MULTI_PART
            found.append((handler.name, route.path, who, multipart))
    return found


def _values(kind: Any, valid: list[str]) -> st.SearchStrategy:
    """One value of a field: a plausible one, a hostile one or any text; now and then several."""
    if isinstance(kind, list):
        valid = valid + kind
    elif kind == NUMBER:
        valid = [*valid, "1", "3", "2024", "-5"]
    elif kind == DATE:
        valid = [*valid, "2024-04-25", "2024年8月27日"]
    elif kind == TIME:
        valid = [*valid, "2031-01-01T10:00", "2032-01-01 10:00"]
    one = st.one_of(st.sampled_from(valid or ["x"]), st.sampled_from(HOSTILE), st.text(max_size=30))
    return st.one_of(one, one, st.lists(one, min_size=2, max_size=3))


def _form(fields: dict[str, Any], ids: dict[str, list[str]]) -> st.SearchStrategy:
    known = {}
    for name, kind in fields.items():
        valid = ids.get(name, [])
        if kind == IDS:
            known[name] = st.lists(st.sampled_from(valid + HOSTILE[:6]), max_size=4)
        else:
            known[name] = _values(kind, valid)
    unknown = st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda n: n not in fields and n != "_csrf_token"),
        _values(TEXT, []),
        max_size=2,
    )
    return st.builds(
        lambda chosen, extra: {**{k: v for k, v in chosen.items() if v is not None}, **extra},
        st.fixed_dictionaries({k: st.one_of(st.none(), v) for k, v in known.items()}),
        unknown,
    )


def _ballot_fields(election) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for method, cid in election.categories.items():
        keys = election.nominees[method]
        fields[f"c{cid}"] = keys
        fields[f"c{cid}.abstain"] = ["on"]
        fields[f"t.c{cid}"] = TEXT
        for key in keys:
            fields[f"c{cid}.{key}"] = NUMBER
    return fields


FILES = [VALID, *(content for content, _message in MALFORMED.values())]
CSV = "剧名,类型,姓名,邮箱\n归队,电视剧,甲,a@example.org\n".encode()


def _upload() -> st.SearchStrategy:
    file = st.tuples(
        st.sampled_from(["dramas.xlsx", "dramas.csv", "", "x" * 300]),
        st.one_of(st.sampled_from([*FILES, CSV]), st.binary(max_size=200)),
    )
    return st.lists(file, max_size=2)


# Litestar's multipart parser drops the files of a form it then fails to decode (a field of
# bytes that are not text: 400); CPython closes them as soon as the error is handled, with a
# ResourceWarning, which is all this lets through.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <function SpooledTemporaryFile.__del__"
    ":pytest.PytestUnraisableExceptionWarning"
)
def test_no_form_answers_a_server_error_to_any_input(browser, second_browser, settings, staff_user):
    election = build_election(settings, jurors=2, methods=("approval", "irv", "score_mean"))
    staff, juror = browser, second_browser
    assert staff.login(staff_user, STAFF_PASSWORD).status_code == 303
    assert juror_login(juror, election.emails[0]).status_code == 303
    routes = form_routes(staff.client.app)
    unfilled = sorted(name for name, *_rest in routes if name not in FORMS)
    assert not unfilled, f"forms the fuzzer cannot fill (list their fields in FORMS): {unfilled}"
    nominees = [key[1:] for keys in election.nominees.values() for key in keys]
    ids = {
        "season_id": [str(election.season_id)],
        "round_id": [str(election.round_id)],
        "juror_id": [str(j) for j in election.juror_ids],
        "category_id": [str(c) for c in election.categories.values()],
        "drama_id": ["1", "2"],
        "nominee_id": nominees,
        "juror_ids": [str(j) for j in election.juror_ids],
        "categories": [str(c) for c in election.categories.values()],
        "affiliation_id": ["1"],
        "user_id": ["1", "2"],
    }
    statuses: list[int] = []
    with TestClient(create_app(settings), base_url="http://testserver.local") as third:
        anyone = Browser(third)  # logs in and out as it fuzzes the login forms
        for name, path, who, multipart in routes:
            spec = _ballot_fields(election) if FORMS[name] == BALLOT else FORMS[name]
            fuzz(
                {"staff": staff, "juror": juror, "anyone": anyone}[who],
                path,
                multipart,
                {k: v for k, v in spec.items() if v != FILE},
                ids,
                statuses,
            )
    assert any(s < 400 for s in statuses)  # some requests were real successes
    assert any(400 <= s < 500 for s in statuses)


def fuzz(browser, path, multipart, fields, ids, statuses) -> None:
    params = [p.strip("{}").split(":")[0] for p in path.split("/") if p.startswith("{")]
    path_ids = st.fixed_dictionaries(
        {
            p: st.one_of(
                st.sampled_from(ids.get(p, ["1"])),
                st.sampled_from(ids.get(p, ["1"])),
                st.sampled_from(ids.get(p, ["1"])),
                st.sampled_from(["+1", "٣", "9" * 30, "0", "01"]),
            )
            for p in params
        }
    )

    @given(form=_form(fields, ids), where=path_ids, files=_upload())
    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(form, where, files) -> None:
        url = path
        for param, value in where.items():
            url = url.replace(f"{{{param}:int}}", quote(value, safe=""))
        body = {"_csrf_token": browser.csrf(), **form}
        if multipart:
            response = browser.client.post(
                url, data=body, files=[("file", f) for f in files] or None, follow_redirects=False
            )
        else:
            response = browser.client.post(url, data=body, follow_redirects=False)
        statuses.append(response.status_code)
        assert response.status_code < 500, (url, form, response.text[-300:])

    check()


def test_every_listed_form_still_exists():
    """A form renamed or removed is taken out of FORMS too."""
    assert set(FORMS) <= {
        name
        for name, *_rest in form_routes(create_app(Settings(base_url="http://testserver.local")))
    }
