"""The topic-list cache (src/core/topic.c, migration 8) never serves a list
the database no longer gives.  Every write to a table the lists read -
through the web, the API, or straight into the database by another process
- changes topic_list_version in the same commit, and entries are kept per
viewer.  Each check reads a list first (so it is cached), changes
something, and reads again."""

from conftest import sql

KEYS = {}


def setup_server(s):
    s.add_org("lc-a", "Cache Alpha", kind="critical_service", sector="railway")
    s.add_org("lc-b", "Cache Beta", kind="critical_service", sector="railway")
    s.add_user("lc-ann", "lc-a", name="Ann A")
    s.add_user("lc-amy", "lc-a", name="Amy A")
    s.add_user("lc-ben", "lc-b", name="Ben B")
    s.add_user("lc-coord", "cc", role="coordinator", name="Coord C")
    for who in ("lc-ann", "lc-amy", "lc-ben", "lc-coord"):
        KEYS[who] = s.apikey(who)


def listed(server, who, **params):
    """Public ids of the first page of a list, read as who (the API)."""
    params.setdefault("limit", 100)
    r = server.api(KEYS[who]).get("/api/v1/topics", params=params)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]], r.json()


def create(server, who, **fields):
    body = {"community": "general", "title": "cache check", "category": "alert", "tlp": "green",
            "body": "x"}
    body.update(fields)
    r = server.api(KEYS[who]).post("/api/v1/topics", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_new_edited_and_deleted_topics_show_at_once(server):
    before, _ = listed(server, "lc-ben", community="general")
    tid = create(server, "lc-coord", title="first title")
    after, page = listed(server, "lc-ben", community="general")
    assert tid in after and tid not in before
    assert [t["title"] for t in page["items"] if t["id"] == tid] == ["first title"]
    api = server.api(KEYS["lc-coord"])
    r = api.patch("/api/v1/topics/" + tid, json={"title": "second title"})
    assert r.status_code == 200, r.text
    _, page = listed(server, "lc-ben", community="general")
    assert [t["title"] for t in page["items"] if t["id"] == tid] == ["second title"]
    assert api.delete("/api/v1/topics/" + tid).status_code in (200, 204)
    assert tid not in listed(server, "lc-ben", community="general")[0]


def test_entries_are_per_viewer(server):
    # A topic for Ann alone (manual scope, by person): Amy, in the same
    # organisation, reads the same list right after Ann and must not get
    # Ann's entry.
    tid = create(server, "lc-coord", title="for Ann only", tlp="amber", scope="manual",
                 scope_people=["lc-ann"])
    assert tid in listed(server, "lc-ann", community="general")[0]
    assert tid not in listed(server, "lc-amy", community="general")[0]
    assert tid not in listed(server, "lc-ben", community="general")[0]
    assert tid in listed(server, "lc-ann", community="general")[0]


def test_writes_from_another_process_show_at_once(server):
    tid = create(server, "lc-coord", title="outside before")
    ids, page = listed(server, "lc-ann", community="general")
    assert tid in ids
    # Retitled behind the server's back.
    sql(server, "UPDATE topics SET title = 'outside after' WHERE public_id = '%s'" % tid)
    _, page = listed(server, "lc-ann", community="general")
    assert [t["title"] for t in page["items"] if t["id"] == tid] == ["outside after"]
    # The author's login changed (people is read for every row).
    assert [t["author"] for t in page["items"] if t["id"] == tid] == ["lc-coord"]
    sql(server, "UPDATE people SET login = 'lc-coord-x' WHERE login = 'lc-coord'")
    try:
        _, page = listed(server, "lc-ann", community="general")
        assert [t["author"] for t in page["items"] if t["id"] == tid] == ["lc-coord-x"]
    finally:
        sql(server, "UPDATE people SET login = 'lc-coord' WHERE login = 'lc-coord-x'")
    # Soft-deleted behind the server's back: gone from the list.
    sql(server, "UPDATE topics SET deleted_at = 1 WHERE public_id = '%s'" % tid)
    assert tid not in listed(server, "lc-ann", community="general")[0]


def test_membership_removed_behind_the_servers_back(server):
    # Ben belongs to every "everyone" community; take general's everyone
    # flag away in the database and list again: general is no longer his.
    tid = create(server, "lc-coord", title="members only")
    assert tid in listed(server, "lc-ben", community="general")[0]
    assert tid in listed(server, "lc-ben")[0]
    sql(server, "UPDATE communities SET everyone = 0 WHERE slug = 'general'")
    try:
        r = server.api(KEYS["lc-ben"]).get("/api/v1/topics", params={"community": "general"})
        assert r.status_code == 404, r.text
        assert tid not in listed(server, "lc-ben")[0]
    finally:
        sql(server, "UPDATE communities SET everyone = 1 WHERE slug = 'general'")
    assert tid in listed(server, "lc-ben", community="general")[0]

