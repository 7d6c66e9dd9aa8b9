"""The JSON API's topic answers, written straight into the response
(src/api/topics.c, jw_ writer): members in their documented order, strings
escaped the way JSON needs (quotes, backslashes, controls, non-ASCII as
UTF-8), attachments of the topic and of its comments, the viewer's
standing (can_edit for the author and a moderator, not for a reader), and
a list page answered from the cache that changes when the topic does."""

import json

import pytest

TOPIC_KEYS = ["id", "community", "author", "author_org", "title", "tag", "audience", "category", "tlp",
              "scope", "must_read", "pinned", "views", "readers", "likes", "comments", "created_at",
              "updated_at", "edited_at", "last_activity_at"]
FULL_KEYS = TOPIC_KEYS + ["body", "version", "liked", "confirmed", "can_edit"]
BODY = 'quote " backslash \\ tab\tnewline\nslash / </script> 回覧 😀 \u2028 end'


def setup_server(s):
    s.add_org("ans-org", "Answer Org", kind="critical_service", sector="railway")
    s.add_user("ans-author", "ans-org")
    s.add_user("ans-reader", "ans-org")
    s.add_user("ans-coord", "cc", role="coordinator")


@pytest.fixture(scope="module")
def made(server):
    author = server.api(server.apikey("ans-author"))
    r = author.post("/api/v1/topics", json={"community": "cc-contact", "title": 'Title "quoted" \\ 障害',
                                            "category": "alert", "tlp": "green", "body": BODY})
    assert r.status_code == 201, r.text
    created = r
    tid = r.json()["id"]
    r = author.post("/api/v1/topics/%s/attachments" % tid,
                    files={"file": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 201, r.text
    r = author.post("/api/v1/topics/%s/comments" % tid, json={"body": "with a file"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = author.post("/api/v1/topics/%s/attachments" % tid, data={"comment": str(cid)},
                    files={"file": ("c.bin", b"\x00\x01", "application/octet-stream")})
    assert r.status_code == 201, r.text
    return tid, cid, created


def test_created_answer_is_the_full_topic(made):
    tid, _, created = made
    assert created.headers["Content-Type"] == "application/json; charset=utf-8"
    assert list(created.json().keys()) == FULL_KEYS
    assert created.json()["body"] == BODY


def test_topic_answer_members_escaping_attachments(server, made):
    tid, cid, _ = made
    r = server.api(server.apikey("ans-author")).get("/api/v1/topics/" + tid)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    raw = r.content.decode("utf-8")
    t = json.loads(raw, object_pairs_hook=lambda kv: kv)
    assert [k for k, _ in t] == FULL_KEYS + ["attachments"]
    t = r.json()
    assert t["body"] == BODY and t["title"] == 'Title "quoted" \\ 障害'
    # JSON escapes for the quote, backslash and controls; UTF-8 and "/" as they are.
    assert '\\"' in raw and '\\\\' in raw and '\\t' in raw and '\\n' in raw
    assert "回覧" in raw and "</script>" in raw and "😀" in raw
    assert t["can_edit"] is True and t["liked"] is False and t["tag"] is None and t["edited_at"] is None
    att = t["attachments"]
    assert [a["filename"] for a in att] == ["notes.txt", "c.bin"]
    assert list(att[0].keys()) == ["id", "filename", "content_type", "size", "sha256", "comment"]
    assert att[0]["comment"] is None and att[1]["comment"] == cid and att[0]["size"] == 5


def test_standing_reader_and_moderator(server, made):
    tid, _, _ = made
    reader = server.api(server.apikey("ans-reader")).get("/api/v1/topics/" + tid).json()
    assert reader["can_edit"] is False
    coord = server.api(server.apikey("ans-coord"))
    # The coordination center moderates the built-in cc-contact community.
    assert coord.get("/api/v1/topics/" + tid).json()["can_edit"] is True


def test_topic_without_attachments_has_an_empty_list(server):
    api = server.api(server.apikey("ans-author"))
    r = api.post("/api/v1/topics", json={"community": "cc-contact", "title": "plain", "category": "alert",
                                         "tlp": "green", "body": "x"})
    assert r.status_code == 201, r.text
    t = api.get("/api/v1/topics/" + r.json()["id"]).json()
    assert t["attachments"] == []


def test_hidden_and_missing_are_alike(server):
    api = server.api(server.apikey("ans-reader"))
    a, b = api.get("/api/v1/topics/20200101-999999"), api.get("/api/v1/topics/nonsense")
    assert a.status_code == b.status_code == 404
    assert a.json()["error"]["code"] == b.json()["error"]["code"]


def test_cached_list_answer_follows_changes(server, made):
    tid, _, _ = made
    api = server.api(server.apikey("ans-reader"))
    first = api.get("/api/v1/topics", params={"community": "cc-contact"})
    again = api.get("/api/v1/topics", params={"community": "cc-contact"})
    assert first.status_code == again.status_code == 200 and first.content == again.content
    page = first.json()
    assert list(page.keys()) == ["items", "next_cursor", "total", "total_more", "first"]
    item = next(i for i in page["items"] if i["id"] == tid)
    assert list(item.keys()) == TOPIC_KEYS and item["title"] == 'Title "quoted" \\ 障害'
    r = server.api(server.apikey("ans-author")).patch("/api/v1/topics/" + tid, json={"title": "renamed"})
    assert r.status_code == 200, r.text
    assert list(r.json().keys()) == FULL_KEYS + ["reconfirm"]
    after = api.get("/api/v1/topics", params={"community": "cc-contact"}).json()
    assert next(i for i in after["items"] if i["id"] == tid)["title"] == "renamed"
