"""Issue 11 (English): every error answer is a whole sentence in the request's language (the
`lang` cookie; for the JSON API also Accept-Language), in HTML and in JSON under /api, also
where no route matched (a 404 or 405 answered before any middleware ran), and the API says
what is wrong with a body instead of a framework's fragment."""

import re

import pytest

from tests.factories import build_election, juror_login

CJK = re.compile(r"[\u4e00-\u9fff]")


def _main(page: str) -> str:
    found = re.search(r"<main.*?</main>", page, re.S)
    assert found is not None, page[:300]
    return found[0]


@pytest.fixture
def election(settings):
    return build_election(settings, jurors=2, methods=("approval",))


def _html_errors(staff, juror, election, settings):
    big = b"a=1&" * (settings.max_form_bytes // 4 + 1)
    form = {"content-type": "application/x-www-form-urlencoded"}
    return {
        "unknown page": (404, staff.client.get("/nowhere")),
        "unknown staff id": (404, staff.client.get("/staff/seasons/99999")),
        "unknown juror round": (404, juror.client.get("/juror/rounds/99999/ballot")),
        "unknown public round": (404, staff.client.get("/rounds/99999")),
        "405": (405, staff.client.post("/rounds", data={})),
        "413": (413, staff.client.post("/login", content=big, headers=form)),
        "no csrf token": (403, staff.client.post("/login", content=b"a=1", headers=form)),
    }


@pytest.mark.parametrize(("lang", "html_lang"), [("en", 'lang="en"'), ("zh_CN", 'lang="zh-CN"')])
def test_error_pages_are_in_the_readers_language(
    staff, second_browser, election, settings, lang, html_lang
):
    juror_login(second_browser, election.emails[0])
    for client in (staff.client, second_browser.client):
        client.cookies.set("lang", lang)
    for what, (status, page) in _html_errors(staff, second_browser, election, settings).items():
        assert page.status_code == status, what
        assert html_lang in page.text, what
        main = _main(page.text)
        if lang == "en":
            assert not CJK.search(main), (what, main)
            if what == "no csrf token":
                assert "without its security token" in main
        else:
            assert CJK.search(main), (what, main)


def _api(juror, election, settings, headers):
    rid = election.round_id
    send = {**headers, "x-csrftoken": juror.csrf(), "content-type": "application/json"}
    post = juror.client.post
    return {
        "unknown url": juror.client.get("/api/nowhere", headers=headers),
        "unknown round": juror.client.get("/api/rounds/99999/ballot", headers=headers),
        "405": juror.client.delete(f"/api/rounds/{rid}/cast", headers=send),
        "413": post(
            f"/api/rounds/{rid}/cast", content=b"{" + b" " * settings.max_form_bytes, headers=send
        ),
        "not json": post(f"/api/rounds/{rid}/cast", content="{", headers=send),
        "wrong type": post(f"/api/rounds/{rid}/cast", content='{"ballots": 3}', headers=send),
        "unknown field": post(
            f"/api/rounds/{rid}/cast", content='{"ballots": {}, "x": 1}', headers=send
        ),
        "missing field": post(f"/api/rounds/{rid}/cast", content="{}", headers=send),
        "too long": post(
            f"/api/rounds/{rid}/trackers",
            content='{"trackers": ["' + "a" * 40 + '"]}',
            headers=send,
        ),
        "no csrf": post(
            f"/api/rounds/{rid}/cast",
            content="{}",
            headers={**headers, "content-type": "application/json"},
        ),
    }


ENGLISH = {
    "unknown url": "This page does not exist.",
    "unknown round": "No such round.",
    "405": "This action is not available here.",
    "413": "The upload is too large.",
    "not json": "The request body is not valid JSON.",
    "wrong type": "“ballots” has the wrong type: it must be an object.",
    "unknown field": "The request has a field this API does not take: “x”.",
    "missing field": "The request lacks the field “ballots”.",
    "too long": "“trackers[0]” is too long: at most 32 characters.",
    "no csrf": (
        "The request came without its security token (the csrftoken cookie, sent back in the"
        " x-csrftoken header), or with an old one. Reload the page and try again."
    ),
}
CHINESE = {
    "unknown url": "页面不存在。",
    "unknown round": "投票轮次不存在。",
    "not json": "请求内容不是有效的 JSON。",
    "wrong type": "“ballots”的类型不对：应为对象。",
    "unknown field": "请求中有本接口不接受的字段：“x”。",
    "missing field": "请求缺少字段“ballots”。",
    "too long": "“trackers[0]”太长：最多 32 个字符。",
}


@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_api_errors_are_whole_sentences_in_the_requests_language(browser, election, settings, how):
    juror_login(browser, election.emails[0])
    for lang, expected in (("en", ENGLISH), ("zh_CN", CHINESE)):
        if how == "cookie":
            browser.client.cookies.set("lang", lang)
            headers = {}
        else:
            browser.client.cookies.delete("lang")
            headers = {"accept-language": "en-GB,en;q=0.9" if lang == "en" else "zh-CN,zh;q=0.9"}
        answers = _api(browser, election, settings, headers)
        for what, answer in answers.items():
            assert 400 <= answer.status_code < 500, (what, answer.text)
            error = answer.json()["error"]
            assert error.endswith(("。", ".")), (what, error)
            assert bool(CJK.search(error.replace("“x”", ""))) == (lang == "zh_CN"), (what, error)
            if what in expected:
                assert error == expected[what], what


def test_api_not_logged_in_says_so_in_the_requests_language(client, election):
    url = f"/api/rounds/{election.round_id}/ballot"
    assert client.get(url, headers={"accept-language": "en"}).json() == {"error": "Please log in."}
    assert client.get(url, headers={"accept-language": "zh-CN"}).json() == {"error": "请先登录。"}
    client.cookies.set("lang", "en")
    assert client.get(url, headers={"accept-language": "zh"}).json()["error"] == "Please log in."


def test_pages_keep_chinese_first_whatever_the_browser_asks(client):
    """A juror's phone set to English still gets the association's language until the juror
    picks English: Accept-Language decides only for the API (a program, with no switcher)."""
    page = client.get("/nowhere", headers={"accept-language": "en-US,en;q=0.9"})
    assert 'lang="zh-CN"' in page.text


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("zh-TW", "zh_CN"),
        ("fr, en;q=0.5, zh;q=0.8", "zh_CN"),
        ("zh;q=0.1, en;q=0.8", "en"),
        ("en;q=0", None),
        ("fr-FR", None),
        ("en;q=x, zh", "zh_CN"),
        ("", None),
    ],
)
def test_accept_language_is_read_by_its_weights(header, locale):
    from awards import i18n

    assert i18n.accepted(header) == locale
