"""Found in review: the error page's way back took a same-origin Referer's path as it was, so a
path that begins with // (a scheme-relative URL) became a link to another host."""

import re


def test_the_way_back_never_leaves_the_site(staff):
    referer = {"referer": "http://testserver.local//evil.example/x"}
    for response in (
        staff.get("/staff/rounds/99999", headers=referer),
        staff.post("/staff/rounds/99999/close", {}, headers=referer),
    ):
        assert response.status_code == 404
        back = re.search(r'<a class="button" href="([^"]*)"', response.text)
        assert back is None or not back[1].startswith("//"), back[1]
