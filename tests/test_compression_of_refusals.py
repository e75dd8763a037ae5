"""BREACH (found in review): a page without a query string can still echo an outsider's text, its
path, beside the CSRF token: routes with a text path parameter answer 404 with the full page
(the logout form's token) and the path echoed in the language link. Such an answer must not be
compressed."""

import re
import secrets

import pytest

GZIP = {"accept-encoding": "gzip"}
GUESS = "_csrf_token_value_e7bb0e"


@pytest.mark.parametrize(
    "path",
    [
        f"/staff/import-templates/{GUESS}/csv",
        f"/staff/seasons/1/dramas/export/{GUESS}",
        f"/rounds/1/files/{GUESS}",
    ],
)
def test_an_echoed_path_is_compressed_beside_the_csrf_token(staff, path):
    response = staff.get(path, headers=GZIP)
    assert re.search(r'name="_csrf_token" value="[0-9a-f]+"', response.text)
    assert GUESS in response.text  # the outsider's text, echoed (lang link's ?next=)
    assert response.headers.get("content-encoding") != "gzip", "echo + token, compressed"


def test_the_compressed_size_tells_a_right_guess_of_the_token(staff):
    page = staff.get("/staff/seasons").text
    token = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page)[1]

    def size(guess: str) -> int:
        response = staff.get(f"/staff/import-templates/{guess}/csv", headers=GZIP)
        return int(response.headers["content-length"])

    right = size(token[:24])
    wrong = [size(secrets.token_hex(12)) for _ in range(5)]
    assert right >= min(wrong), f"a right guess is {right} bytes, wrong ones {wrong}"
