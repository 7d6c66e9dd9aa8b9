"""The directory of organisations and contacts (R1.4)."""

import re
import urllib.parse

N = 57


def setup_server(s):
    for i in range(N):
        s.add_org("dir-%02d" % i, "Directory Org %02d" % i, kind="sports_body" if i % 2 else "ministry",
                  name_ja="ディレクトリ組織%02d" % i)
    s.add_user("dir-reader", "dir-00")
    s.add_user("dir-contact", "dir-07", name="Hanako Contact", email="hanako@dir07.example")


def org_slugs(pg):
    return {m for m in (re.match(r"^/orgs/([a-z0-9-]+)$", h) for h in pg.links) if m for m in [m.group(1)]}


def next_link(pg):
    for h in pg.links:
        if "cursor=" in h or re.search(r"[?&](page|from)=", h):
            if "prev" not in h:
                yield h


def test_directory_needs_login(server):
    r = server.client().get("/orgs")
    assert r.status_code in (302, 303)
    assert r.headers["Location"].startswith("/login")


def test_directory_lists_all_with_paging(server):
    c = server.login("dir-reader")
    seen, url, pages = set(), "/orgs", 0
    visited = set()
    while url and pages < 50:
        pg = c.page(url)
        assert pg.status == 200
        new = org_slugs(pg)
        seen |= new
        pages += 1
        visited.add(url)
        nxt = [h for h in next_link(pg) if h not in visited]
        url = nxt[-1] if nxt else None
    assert {"dir-%02d" % i for i in range(N)} <= seen
    assert pages >= 2, "57 organisations should not fit on one page"


def test_directory_search(server):
    c = server.login("dir-reader")
    pg = c.page("/orgs?q=" + urllib.parse.quote("Directory Org 42"))
    assert "dir-42" in org_slugs(pg)
    assert "dir-13" not in org_slugs(pg)
    pg = c.page("/orgs?q=" + urllib.parse.quote("組織13"))
    assert "dir-13" in org_slugs(pg)


def test_org_page_shows_contacts(server):
    c = server.login("dir-reader")
    pg = c.page("/orgs/dir-07")
    assert pg.status == 200
    assert "Hanako Contact" in pg.text
    assert "Directory Org 07" in pg.text


def test_org_page_in_japanese(server):
    c = server.login("dir-reader", lang="ja")
    c.submit("/account", {"lang": "ja"}, action="/lang", has=("csrf",))
    pg = c.page("/orgs/dir-07")
    assert "ディレクトリ組織07" in pg.text


def test_unknown_org_404(server):
    c = server.login("dir-reader")
    assert c.get("/orgs/no-such-org").status_code == 404
