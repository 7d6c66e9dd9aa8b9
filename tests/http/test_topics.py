"""Communities and topics over real HTTP (issue 3: R3, R4, R5, R7, R8).

The journey: a coordinator (TOTP) posts a must-read 【重要】 TLP:AMBER topic
scoped by hand to two organisations, with an attachment.  A member of one of
them reads it, downloads the file (safe headers), likes, comments and
confirms.  A member of a third organisation learns nothing: 404 for the
page, the file and the API (the same 404 as for an id that never existed),
nothing in any list or CSV, and the "N件" counts do not move.  Around it:
CSV export (BOM, no TLP:RED rows, label in every row, formula cells
defused), XSS payloads rendered inert, bad ids and parameters refused with
400/404 and nothing stored, an oversized body refused with 413,
notifications and their settings, and communities made by members."""

import csv
import io
import re

import pytest

from conftest import Page

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TITLE = "【テスト】VPN 装置の脆弱性 " + XSS
BODY = "影響を受ける製品を確認してください。\n2 行目 " + XSS
COMMENT = "対策済みです " + XSS
FILENAME = '"><script>alert(1)</script>レポート.html'
FILE_BYTES = b"<html><script>alert('file')</script></html>"

KEYS = {}
STATE = {}


def setup_server(s):
    for slug, name in (("org-a", "Alpha Rail"), ("org-b", "Beta Power"), ("org-c", "Gamma Water")):
        s.add_org(slug, name, kind="critical_service", sector="railway")
    s.add_user("alice", "org-a", name="Alice A")
    s.add_user("bob", "org-b", name="Bob B")
    s.add_user("carol", "org-c", name="Carol C")
    s.add_user("dave", "org-a", name="Dave A")
    s.add_user("t-coord", "cc", role="coordinator", name="Coord C")
    KEYS["carol"] = s.apikey("carol")
    KEYS["alice"] = s.apikey("alice")


def english(c):
    """People are created with Japanese as their language; these tests read
    the English pages (the choice is kept in the profile)."""
    r = c.post("/lang", data={"lang": "en", "csrf": c.csrf(), "next": "/"})
    assert r.status_code == 303
    return c


def login(server, name):
    return english(server.login(name))


@pytest.fixture(scope="module")
def coord(server):
    c, clock, codes = server.login_enrol("t-coord")
    c.clock = clock
    return english(c)


@pytest.fixture(scope="module")
def alice(server):
    return login(server, "alice")


@pytest.fixture(scope="module")
def carol(server):
    return login(server, "carol")


def page_count(pg):
    """The list's total from "a–b of N" (en), 0 for "Nothing found."."""
    m = re.search(r"\d+–\d+ of (\d+)", pg.text)
    if m:
        return int(m.group(1))
    assert "Nothing found." in pg.text, pg.text[:2000]
    return 0


def csv_rows(resp):
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert resp.content.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(resp.content[3:].decode("utf-8"), newline="")))


def post_topic(c, community, fields, file=None):
    """Fill the new-topic form of a community and post it as multipart
    (as a browser does, with an empty file part when no file is chosen)."""
    pg = c.page("/c/%s/new" % community)
    assert pg.status == 200, (pg.status, pg.text[:500])
    f = pg.form(action="/c/%s/new" % community, has=("title",))
    data = dict(f.fields)
    data.update(fields)
    files = {"file": file if file else ("", b"", "application/octet-stream")}
    return c.post("/c/%s/new" % community, data=data, files=files)


def topic_id(resp):
    assert resp.status_code == 303, (resp.status_code, resp.text[:3000])
    m = re.match(r"/topics/(\d{8}-\d{6})\?", resp.headers["Location"])
    assert m, resp.headers["Location"]
    return m.group(1)


def assert_inert(html):
    """No markup from the payloads: the only <script> is the site's own."""
    for tag in re.findall(r"<script[^>]*>", html, re.I):
        assert tag == '<script src="/assets/app.js" defer>', tag
    assert "<img src=x" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in html


# --- the journey ---------------------------------------------------------------------


def test_before_counts(server, carol, alice):
    STATE["carol_count"] = page_count(carol.page("/topics"))
    STATE["carol_general"] = page_count(carol.page("/c/general"))
    STATE["carol_csv"] = len(csv_rows(carol.get("/topics/export.csv")))
    STATE["alice_count"] = page_count(alice.page("/topics"))


def test_member_cannot_post_in_moderated_builtin(server, alice):
    assert alice.get("/c/general/new").status_code == 403
    pg = alice.page("/c/general")
    assert pg.status == 200
    assert not any(link.endswith("/c/general/new") for link in pg.links)


def test_coordinator_form_offers_must_read(server, coord):
    pg = coord.page("/c/general/new")
    assert pg.status == 200
    f = pg.form(action="/c/general/new", has=("title",))
    assert "must_read" in f.field_types
    assert set(f.selects["category"]) >= {"vulnerability", "malware", "emergency"}
    assert "multipart/form-data" in f.attrs.get("enctype", "")


def test_coordinator_posts_must_read_amber_topic(server, coord):
    r = post_topic(coord, "general", {
        "title": TITLE, "tag": "important", "category": "vulnerability", "tlp": "amber",
        "audience": "professional", "scope": "manual", "scope_orgs": "org-a\norg-b",
        "must_read": "1", "body": BODY}, file=(FILENAME, FILE_BYTES, "text/html"))
    tid = topic_id(r)
    STATE["tid"] = tid
    pg = coord.page("/topics/" + tid)
    assert pg.status == 200
    assert "TLP:AMBER" in pg.text and "[Important]" in pg.text and "Must read" in pg.text
    links = [link for link in pg.links if link.startswith("/attachments/")]
    assert len(links) == 1, pg.links
    STATE["att"] = links[0]
    assert_inert(pg.resp.text)
    # The author sees the per-organisation read status of both recipients.
    assert re.search(r"Alpha Rail\s*0 / 2", pg.ids.get("read-status", "")), pg.ids.get("read-status")
    assert "Beta Power" in pg.ids.get("read-status", "")


def test_recipient_reads_the_topic(server, alice):
    tid = STATE["tid"]
    pg = alice.page("/topics/" + tid)
    assert pg.status == 200
    assert TITLE in pg.text and "TLP:AMBER" in pg.text
    assert "Coord C" in pg.text
    assert_inert(pg.resp.text)
    # Views count this visit.
    assert re.search(r"Views (\d+)", pg.text) and int(re.search(r"Views (\d+)", pg.text).group(1)) >= 1
    # It is on the home page under "Topics you must read".
    home = alice.page("/")
    assert tid in " ".join(home.links)
    assert "Topics you must read" in home.text


def test_recipient_downloads_attachment_safely(server, alice):
    r = alice.get(STATE["att"])
    assert r.status_code == 200
    assert r.content == FILE_BYTES
    assert r.headers["Content-Type"] == "application/octet-stream"
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment;"), cd
    assert "filename*=UTF-8''" in cd and "<" not in cd and '"><' not in cd
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers.get("X-Content-Type-Options") == "nosniff"


def test_recipient_likes_comments_and_confirms(server, alice):
    tid = STATE["tid"]
    path = "/topics/" + tid
    r = alice.submit(path, {}, action=path + "/like")
    assert r.status_code == 303
    pg = alice.page(path)
    assert pg.ids["like-count"].strip() == "1"
    assert "Unlike" in pg.text
    # Liking again toggles it off, and back on.
    alice.submit(pg, {}, action=path + "/like")
    assert alice.page(path).ids["like-count"].strip() == "0"
    alice.submit(path, {}, action=path + "/like")
    assert alice.page(path).ids["like-count"].strip() == "1"

    r = alice.submit(path, {"body": COMMENT}, action=path + "/comments")
    assert r.status_code == 303, r.text[:1000]
    pg = alice.page(path)
    assert COMMENT in pg.text
    assert_inert(pg.resp.text)

    r = alice.submit(path, {}, action=path + "/confirm")
    assert r.status_code == 303
    pg = alice.page(path)
    assert "Read confirmed" in pg.text
    # Her organisation has two people; she is one of them.
    assert re.search(r"Alpha Rail\s*1 / 2", pg.ids.get("read-status", "")), pg.ids.get("read-status")
    # Confirmed: no longer among the must-reads on the home page.
    home = alice.get("/").text
    must = re.search(r'id="must-read".*?</section>', home, re.S).group(0)
    assert tid not in must


def test_other_recipient_org_sees_it(server):
    bob = login(server, "bob")
    assert bob.get("/topics/" + STATE["tid"]).status_code == 200
    assert bob.get(STATE["att"]).status_code == 200


def test_outsider_learns_nothing(server, carol):
    tid = STATE["tid"]
    hidden = carol.get("/topics/" + tid)
    missing = carol.get("/topics/29991231-999999")
    assert hidden.status_code == 404 and missing.status_code == 404
    assert hidden.text.replace(tid, "X") == missing.text.replace("29991231-999999", "X")
    assert TITLE not in hidden.text
    assert carol.get(STATE["att"]).status_code == 404
    assert carol.get("/attachments/" + "a" * 32).status_code == 404
    for sub in ("/edit", "/history"):
        assert carol.get("/topics/" + tid + sub).status_code == 404, sub
    for sub in ("/like", "/confirm", "/comments", "/delete"):
        r = carol.post("/topics/" + tid + sub, data={"csrf": carol.csrf(), "body": "x"})
        assert r.status_code == 404, (sub, r.status_code)
    api = server.api(KEYS["carol"])
    r = api.get("/api/v1/topics/" + tid)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/topics/" + tid + "/comments").status_code == 404
    # No list, count, CSV or home page shows it.
    for path in ("/topics", "/c/general", "/", "/topics?sort=likes", "/topics?tlp=amber",
                 "/topics?tag=important", "/notifications"):
        pg = carol.page(path)
        assert tid not in pg.resp.text and "VPN" not in pg.text, path
    assert page_count(carol.page("/topics")) == STATE["carol_count"]
    assert page_count(carol.page("/c/general")) == STATE["carol_general"]
    rows = csv_rows(carol.get("/topics/export.csv"))
    assert len(rows) == STATE["carol_csv"]
    assert tid not in repr(rows)
    items = api.get("/api/v1/topics").json()["items"]
    assert all(t.get("id") != tid and t.get("public_id") != tid for t in items)


def test_api_recipient_sees_it(server):
    api = server.api(KEYS["alice"])
    r = api.get("/api/v1/topics/" + STATE["tid"])
    assert r.status_code == 200


def test_csv_export(server, coord, alice):
    # A RED topic for the whole community, and one whose title is a formula.
    red = topic_id(post_topic(coord, "general", {
        "title": "Red eyes only", "category": "alert", "tlp": "red", "body": "secret"}))
    formula = topic_id(post_topic(coord, "general", {
        "title": '=HYPERLINK("http://evil.example","click")', "category": "incident",
        "tlp": "green", "body": "x"}))
    STATE["red"], STATE["formula"] = red, formula
    pg = alice.page("/topics")
    assert red in pg.resp.text and "TLP:RED" in pg.text  # shown on screen to its recipients
    assert page_count(pg) == STATE["alice_count"] + 3
    rows = csv_rows(alice.get("/topics/export.csv"))
    header, data = rows[0], rows[1:]
    assert header[0] == "Topic ID" and "TLP" in header and header[-1] == "URL"
    assert len(header) == 14
    ids = [row[0] for row in data]
    assert red not in ids, "TLP:RED exported"
    assert STATE["tid"] in ids and formula in ids
    tlp_col = header.index("TLP")
    assert all(row[tlp_col].startswith("TLP:") and row[tlp_col] != "TLP:RED" for row in data)
    frow = data[ids.index(formula)]
    assert frow[1].startswith("'="), frow[1]
    assert frow[-1].endswith("/topics/" + formula)
    # The community export, with the same filters as the list.
    rows = csv_rows(alice.get("/c/general/export.csv", params={"tlp": "green"}))
    assert [row[0] for row in rows[1:]] == [formula]
    # Japanese header for a Japanese reader.
    ja = server.login("dave", lang="ja")
    rows = csv_rows(ja.get("/topics/export.csv"))
    assert rows[0][0] == "トピック ID"


def test_share_into_another_community(server, coord, alice):
    """R3.4: a moderator shares a GREEN topic into another community it
    moderates; RED/AMBER and hand-picked topics stay put."""
    formula = STATE["formula"]
    path = "/topics/" + formula
    pg = coord.page(path)
    f = pg.form(action=path + "/share")
    assert "professional" in f.selects["community"] and "general" not in f.selects["community"]
    r = coord.submit(pg, {"community": "professional"}, action=path + "/share")
    assert r.status_code == 303, r.text[:1000]
    assert formula in alice.page("/c/professional").resp.text
    # One thread: the same topic page, the same counts.
    assert alice.get(path).status_code == 200
    # No share form and a refusal for the AMBER and the RED topic.
    for tid in (STATE["tid"], STATE["red"]):
        p = "/topics/" + tid
        pg = coord.page(p)
        assert not any(p + "/share" in f.action for f in pg.forms)
        r = coord.post(p + "/share", data={"csrf": coord.csrf(), "community": "professional"})
        assert r.status_code in (400, 403), r.status_code
        assert tid not in alice.page("/c/professional").resp.text
    # A member moderating nothing sees no share form.
    assert not any("/share" in f.action for f in alice.page(path).forms)


def test_list_filters_and_sort(server, alice):
    tid = STATE["tid"]
    assert tid in alice.page("/topics?tag=important").resp.text
    assert tid not in alice.page("/topics?tag=caution").resp.text
    assert tid in alice.page("/topics?category=vulnerability&tlp=amber").resp.text
    assert tid not in alice.page("/topics?category=malware").resp.text
    assert tid in alice.page("/topics?org=cc").resp.text
    assert tid not in alice.page("/topics?org=org-b").resp.text
    assert tid not in alice.page("/topics?from=2001-01-01&to=2001-01-02").resp.text
    assert tid in alice.page("/topics?from=2001-01-01").resp.text
    for s in ("updated", "created", "views", "likes"):
        assert alice.get("/topics?sort=" + s).status_code == 200
    # Paging: one per page, following the pager's next link.
    pg = alice.page("/topics?limit=1")
    assert re.search(r"1–1 of \d+", pg.text)
    nxt = [link for link in pg.links if "cursor=" in link]
    assert nxt, pg.links
    pg2 = alice.page(nxt[0].replace("&amp;", "&"))
    assert pg2.status == 200 and re.search(r"2–2 of \d+", pg2.text), pg2.text[:500]


@pytest.mark.parametrize("query", [
    "limit=0", "limit=1000", "limit=abc", "limit=-1", "cursor=junk", "cursor=" + "A" * 300,
    "tlp=PURPLE", "category=nope", "tag=urgent", "sort=random", "from=2026-13-45", "to=yesterday",
    "org=no-such-org"])
def test_bad_list_parameters_400(server, alice, query):
    for path in ("/topics", "/c/general", "/topics/export.csv", "/c/general/export.csv"):
        if query.startswith("cursor") and path.endswith(".csv"):
            continue  # the export is the whole list; it has no pages
        r = alice.get(path + "?" + query)
        assert r.status_code == 400, (path, query, r.status_code)


def test_forged_ids_404(server, alice):
    for path in ("/topics/junk", "/topics/20260101-000000", "/topics/../etc", "/c/nope",
                 "/c/nope/members", "/c/nope/export.csv", "/c/nope/new", "/attachments/nope"):
        assert alice.get(path).status_code in (400, 404), path
    tok = alice.csrf()
    for path in ("/comments/abc/delete", "/comments/999999/delete", "/topics/junk/like",
                 "/c/nope/join"):
        assert alice.post(path, data={"csrf": tok}).status_code == 404, path


def test_bad_topic_input_stores_nothing(server, coord):
    before = page_count(coord.page("/topics"))
    good = {"title": "Should not exist", "category": "alert", "tlp": "green", "body": "x"}
    for bad, status in (({"tlp": "PURPLE"}, 400), ({"category": "nope"}, 400), ({"tag": "urgent"}, 400),
                        ({"audience": "everyone"}, 400), ({"title": ""}, 422),
                        ({"scope": "manual", "scope_orgs": "no-such-org"}, 422),
                        ({"scope": "manual", "scope_orgs": "", "scope_people": ""}, 422)):
        fields = dict(good)
        fields.update(bad)
        r = post_topic(coord, "general", fields)
        assert r.status_code == status, (bad, r.status_code)
        # The form comes back with the input kept and the field named.
        assert 'name="body" rows="12">x</textarea>' in r.text, r.text[:3000]
        assert "Please check this field" in Page(r).text
    # Without the CSRF token nothing is stored either.
    pg = coord.page("/c/general/new")
    data = dict(pg.form(action="/c/general/new", has=("title",)).fields)
    data.update(good)
    data.pop("csrf")
    r = coord.post("/c/general/new", data=data, files={"file": ("", b"")})
    assert r.status_code in (400, 403), r.status_code
    assert page_count(coord.page("/topics")) == before


def test_member_posts_with_must_read_refused(server, alice):
    r = alice.submit("/communities/new", {"slug": "mr-test", "name_ja": "必読テスト", "name_en": "MR test",
                                          "join_policy": "invite"}, action="/communities/new")
    assert r.status_code == 303
    r = post_topic(alice, "mr-test", {"title": "t", "category": "alert", "tlp": "green", "body": "b",
                                      "must_read": "1"})
    assert r.status_code == 403
    assert page_count(alice.page("/c/mr-test")) == 0


def test_oversize_413(server, coord, alice):
    before = page_count(coord.page("/topics"))
    r = post_topic(coord, "general", {"title": "big", "category": "alert", "tlp": "green",
                                      "body": "あ" * 100001})
    assert r.status_code == 413
    path = "/topics/" + STATE["tid"]
    tok = alice.csrf(path)
    r = alice.post(path + "/comments", data={"csrf": tok, "body": "x" * (600 * 1024)})
    assert r.status_code == 413
    assert page_count(coord.page("/topics")) == before


def test_edit_marks_updated_and_keeps_history(server, coord, alice):
    tid = STATE["tid"]
    path = "/topics/" + tid
    pg = coord.page(path + "/edit")
    assert pg.status == 200
    assert "confirm reading it again" in pg.text
    f = pg.form(action=path + "/edit", has=("title",))
    data = dict(f.fields)
    data["body"] = BODY + "\n追記: パッチが公開されました。"
    r = coord.post(path + "/edit", data=data, files={"x": ("", b"")})
    assert r.status_code == 303, r.text[:2000]
    pg = alice.page(path)
    assert re.search(r"Updated \d{1,2}/\d{1,2}", pg.text)
    assert "I have read it" in pg.text  # asked to confirm again
    hist = alice.page(path + "/history")
    assert hist.status == 200 and "Version 1" in hist.text
    assert_inert(hist.resp.text)
    # Alice may not edit or delete someone else's topic.
    assert alice.get(path + "/edit").status_code == 403
    r = alice.post(path + "/delete", data={"csrf": alice.csrf()})
    assert r.status_code == 403


def test_comment_delete(server, alice, coord):
    path = "/topics/" + STATE["tid"]
    pg = alice.page(path)
    f = pg.form(action="/comments/")
    r = alice.post(f.action.replace("&amp;", "&"), data=f.fields)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(path)
    assert COMMENT not in alice.page(path).text
    assert "This comment was deleted." in alice.page(path).text


def test_notifications(server, alice):
    pg = alice.page("/notifications")
    assert pg.status == 200
    assert STATE["tid"] in " ".join(pg.links)
    r = alice.submit(pg, {}, action="/notifications/read")
    assert r.status_code == 303
    assert "Unread notifications: 0" in alice.page("/notifications").text


def test_notification_settings(server, alice):
    pg = alice.page("/account")
    f = pg.form(action="/account/notifications")
    assert {"must_read", "important", "replies", "digest"} <= set(f.field_types)
    r = alice.post("/account/notifications", data={"csrf": f.fields["csrf"], "must_read": "1"})
    assert r.status_code == 303
    f = alice.page("/account").form(action="/account/notifications")
    assert f.fields.get("must_read") == "1"
    assert "digest" not in f.fields and "replies" not in f.fields
    r = alice.post("/account/notifications", data={"must_read": "1"})
    assert r.status_code in (400, 403)  # no CSRF token


def test_communities_made_by_members(server, alice):
    r = alice.submit("/communities/new", {"slug": "rail-isac", "name_ja": "鉄道ISAC", "name_en": "Rail ISAC",
                                          "description": XSS, "join_policy": "open"},
                     action="/communities/new")
    assert r.status_code == 303
    pg = alice.page("/c/rail-isac")
    assert pg.status == 200 and "Owner" in pg.text
    assert_inert(pg.resp.text)
    # Bob finds it among the open ones, joins, posts, leaves.
    bob = login(server, "bob")
    pg = bob.page("/communities")
    assert "/c/rail-isac" in pg.links
    r = bob.submit(pg, {}, action="/c/rail-isac/join")
    assert r.status_code == 303
    tid = topic_id(post_topic(bob, "rail-isac", {"title": "Bob's note", "category": "observation",
                                                  "tlp": "clear", "body": "hello"}))
    assert tid in alice.page("/c/rail-isac").resp.text
    # Alice (owner) sees the member forms and makes Bob a moderator.
    pg = alice.page("/c/rail-isac/members")
    assert "Bob B" in pg.text and "Alice A" in pg.text
    r = alice.submit("/c/rail-isac/members", {"type": "person", "who": "carol", "role": "member"},
                     action="/c/rail-isac/members", has=("who",))
    assert r.status_code == 303
    assert tid in login(server, "carol").get("/c/rail-isac").text
    r = alice.submit("/c/rail-isac/members", {"type": "person", "who": "nobody-here", "role": "member"},
                     action="/c/rail-isac/members", has=("who",))
    assert r.status_code in (400, 404)
    # Removing Carol takes the list away from her again.
    r = alice.submit("/c/rail-isac/members", {"type": "person", "who": "carol"},
                     action="/c/rail-isac/members/remove", has=("who",))
    assert r.status_code == 303
    assert tid not in login(server, "carol").get("/c/rail-isac").text
    r = bob.submit("/c/rail-isac", {}, action="/c/rail-isac/leave")
    assert r.status_code == 303
    # Bob cannot manage members.
    r = bob.post("/c/rail-isac/members", data={"csrf": bob.csrf(), "type": "person", "who": "dave",
                                               "role": "member"})
    assert r.status_code in (403, 404)
    # Duplicate slug is refused with the field named.
    r = alice.submit("/communities/new", {"slug": "rail-isac", "name_ja": "x", "name_en": "x"},
                     action="/communities/new")
    assert r.status_code in (409, 422)


def test_pages_need_login(server):
    anon = server.client()
    for path in ("/communities", "/topics", "/topics/" + STATE["tid"], STATE["att"],
                 "/topics/export.csv", "/notifications"):
        r = anon.get(path)
        assert r.status_code in (302, 303, 401), (path, r.status_code)
        assert TITLE not in r.text


def test_delete_topic(server, coord, alice):
    tid = topic_id(post_topic(coord, "general", {"title": "To be deleted", "category": "alert",
                                                 "tlp": "clear", "body": "bye"}))
    path = "/topics/" + tid
    assert alice.get(path).status_code == 200
    pg = coord.page(path)
    f = pg.form(action=path + "/delete")
    assert f.attrs.get("data-confirm"), "deleting asks first"
    r = coord.post(path + "/delete", data=f.fields)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/c/general")
    assert coord.get(path).status_code == 404
    assert alice.get(path).status_code == 404
    assert tid not in alice.page("/topics").resp.text
    assert tid not in repr(csv_rows(alice.get("/topics/export.csv")))


def test_home_shows_unread_count(server):
    bob = login(server, "bob")
    pg = bob.page("/")
    assert re.search(r"Unread notifications: [1-9]", pg.ids.get("unread", "")), pg.ids
    assert "/notifications" in pg.links
