"""Pages, the stylesheet and the scripts travel gzip-compressed (a 990-nominee ballot is 290 KB of
HTML, 20 KB compressed: on a phone's network that is the difference that shows). A page asked for
with a query string is sent as it is: the query may be an attacker's text, echoed beside the
page's CSRF token, and compressing both together lets the size of the answer reveal the token
(BREACH); a page without one echoes nothing an outsider chose."""

import pytest

GZIP = {"accept-encoding": "gzip"}


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/login", "text/html"),
        ("/static/app.css", "text/css"),
        ("/static/ballot.js", "text/javascript"),
    ],
)
def test_pages_and_files_are_compressed(client, path, media):
    response = client.get(path, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert response.headers.get("content-encoding") == "gzip"
    assert "accept-encoding" in response.headers.get("vary", "").lower()


def test_a_page_with_a_query_string_is_not_compressed(client):
    response = client.get("/login?next=/staff/seasons", headers=GZIP)
    assert response.status_code == 200
    assert 'value="/staff/seasons"' in response.text  # what the query said, echoed
    assert "content-encoding" not in response.headers


def test_without_accept_encoding_nothing_is_compressed(client):
    response = client.get("/login", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
