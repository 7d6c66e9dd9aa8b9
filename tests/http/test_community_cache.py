"""community_get's cache (src/core/community.c) never shows a community
page the database no longer gives.  The page's community and the viewer's
standing in it (member, moderator, owner) are kept per viewer under
topic_list_version, which every write to communities and community_members
changes in the same commit - through the web, or straight into the
database by another process.  Each check reads the page first (so it is
cached), changes something, and reads again: the very next request must
see the change."""

from conftest import sql

SLUG = "cc-club"


KEYS = {}


def setup_server(s):
    s.add_org("cc-a", "Club Alpha", kind="critical_service", sector="railway")
    s.add_org("cc-b", "Club Beta", kind="critical_service", sector="railway")
    s.add_user("cc-ann", "cc-a", name="Ann A")
    s.add_user("cc-ben", "cc-b", name="Ben B")
    KEYS["cc-ann"] = s.apikey("cc-ann")


def members_form(client, data, action, slug=SLUG):
    r = client.submit("/c/%s/members" % slug, data, action=action, has=("type", "who"))
    assert r.status_code == 303, r.text


def new_community(client, slug):
    r = client.submit("/communities/new", {"slug": slug, "name_ja": slug, "name_en": slug,
                                           "description": "", "join_policy": "invite",
                                           "post_policy": "members"}, action="/communities/new")
    assert r.status_code == 303, r.text


def test_standing_changes_show_on_the_next_request(server):
    ann = server.login("cc-ann")
    ben = server.login("cc-ben")
    r = ann.submit("/communities/new", {"slug": SLUG, "name_ja": "クラブ", "name_en": "The Club",
                                        "description": "cache check", "join_policy": "invite",
                                        "post_policy": "members"}, action="/communities/new")
    assert r.status_code == 303, r.text
    page = "/c/" + SLUG
    assert ann.get(page).status_code == 200
    # Not a member of an invite-only community: the same 404 as a missing one.
    assert ben.get(page).status_code == 404
    assert ben.get(page).status_code == 404
    # Added: a member at once, without the moderators' controls.
    members_form(ann, {"type": "person", "who": "cc-ben", "role": "member"}, "/c/%s/members" % SLUG)
    r = ben.get(page)
    assert r.status_code == 200
    assert ("/c/%s/new" % SLUG) in r.text  # members may post here
    pg = ben.page(page + "/members")
    assert pg.status == 200
    assert not any("/members/remove" in f.action for f in pg.forms)
    # Made a moderator: the controls show on the next request.
    members_form(ann, {"type": "person", "who": "cc-ben", "role": "moderator"}, "/c/%s/members" % SLUG)
    assert ben.get(page).status_code == 200
    pg = ben.page(page + "/members")
    assert any("/members/remove" in f.action for f in pg.forms)
    # Removed: gone on the very next request.
    assert ben.get(page).status_code == 200
    members_form(ann, {"type": "person", "who": "cc-ben"}, "/c/%s/members/remove" % SLUG)
    assert ben.get(page).status_code == 404
    assert ben.get(page + "/members").status_code == 404


def test_writes_from_another_process_show_at_once(server):
    ann = server.login("cc-ann")
    ben = server.login("cc-ben")
    page = "/c/" + SLUG
    # (People added by the CLI read Japanese: the page shows name_ja.)
    r = ann.get(page)
    assert r.status_code == 200 and "<h1>クラブ</h1>" in r.text
    # Renamed behind the server's back.
    sql(server, "UPDATE communities SET name_en = 'The Renamed Club', name_ja = 'クラブ改' WHERE slug = '%s'"
        % SLUG)
    r = ann.get(page)
    assert r.status_code == 200 and "<h1>クラブ改</h1>" in r.text
    # Ben's organisation listed behind the server's back: a member now.
    assert ben.get(page).status_code == 404
    sql(server, "INSERT INTO community_members (community_id, member_type, member_id, role, added_at)"
        " SELECT c.id, 'org', o.id, 'member', 1 FROM communities c, orgs o"
        " WHERE c.slug = '%s' AND o.slug = 'cc-b'" % SLUG)
    assert ben.get(page).status_code == 200
    sql(server, "DELETE FROM community_members WHERE member_type = 'org' AND member_id ="
        " (SELECT id FROM orgs WHERE slug = 'cc-b')"
        " AND community_id = (SELECT id FROM communities WHERE slug = '%s')" % SLUG)
    assert ben.get(page).status_code == 404
    # Archived behind the server's back: gone for its owner too.
    assert ann.get(page).status_code == 200
    sql(server, "UPDATE communities SET archived_at = 1 WHERE slug = '%s'" % SLUG)
    try:
        assert ann.get(page).status_code == 404
    finally:
        sql(server, "UPDATE communities SET archived_at = NULL WHERE slug = '%s'" % SLUG)
    assert ann.get(page).status_code == 200


def test_topic_page_standing_changes_show_on_the_next_request(server):
    # The topic page's edit controls (moderator of the topic's community)
    # and its share form (moderator of another community) come from the
    # viewer cache (src/core/viewer_cache.c).
    ann = server.login("cc-ann")
    ben = server.login("cc-ben")
    new_community(ann, "cc-home")
    new_community(ann, "cc-other")
    members_form(ann, {"type": "person", "who": "cc-ben", "role": "member"}, "/c/cc-home/members", "cc-home")
    members_form(ann, {"type": "person", "who": "cc-ben", "role": "moderator"}, "/c/cc-other/members",
                 "cc-other")
    r = server.api(KEYS["cc-ann"]).post("/api/v1/topics", json={
        "community": "cc-home", "title": "standing check", "category": "alert", "tlp": "green", "body": "x"})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    page = "/topics/" + tid
    edit, share = "/topics/%s/edit" % tid, "/topics/%s/share" % tid

    def shown():
        r = ben.get(page)
        assert r.status_code == 200, r.status_code
        return edit in r.text, share in r.text

    # A member of cc-home, moderator of cc-other: may share, may not edit.
    assert shown() == (False, True)
    assert shown() == (False, True)
    # Made a moderator of cc-home: may edit at once.
    members_form(ann, {"type": "person", "who": "cc-ben", "role": "moderator"}, "/c/cc-home/members", "cc-home")
    assert shown() == (True, True)
    # No longer a moderator of cc-other: the share form goes at once.
    members_form(ann, {"type": "person", "who": "cc-ben", "role": "member"}, "/c/cc-other/members", "cc-other")
    assert shown() == (True, False)
    # Behind the server's back: moderator again of cc-other, member of cc-home.
    sql(server, "UPDATE community_members SET role = 'moderator' WHERE member_type = 'person'"
        " AND member_id = (SELECT id FROM people WHERE login = 'cc-ben')"
        " AND community_id = (SELECT id FROM communities WHERE slug = 'cc-other')")
    sql(server, "UPDATE community_members SET role = 'member' WHERE member_type = 'person'"
        " AND member_id = (SELECT id FROM people WHERE login = 'cc-ben')"
        " AND community_id = (SELECT id FROM communities WHERE slug = 'cc-home')")
    assert shown() == (False, True)
    # Removed from cc-home: the topic is gone.
    members_form(ann, {"type": "person", "who": "cc-ben"}, "/c/cc-home/members/remove", "cc-home")
    assert ben.get(page).status_code == 404


def test_list_filter_form_in_each_language(server):
    # The filter form above a list without filters is kept per language
    # (src/web/topic.c): each language gets its own, a filtered list its
    # own selections.
    ann = server.login("cc-ann")
    for lang, button, sort in (("ja", "絞り込む", "更新順"), ("en", "Filter", "Last update"),
                               ("ja", "絞り込む", "更新順"), ("en", "Filter", "Last update")):
        r = ann.submit("/account", {"lang": lang}, action="/lang", has=("csrf",))
        assert r.status_code == 303
        for path in ("/topics", "/c/general"):
            pg = ann.page(path)
            assert pg.status == 200 and pg.lang == lang
            f = pg.form(action=path, has=("q", "sort"))
            assert f.fields.get("sort") == "updated"
            assert button in pg.text and sort in pg.text
        pg = ann.page("/topics?sort=views&tag=important")
        f = pg.form(action="/topics", has=("q", "sort"))
        assert f.fields.get("sort") == "views" and f.fields.get("tag") == "important"
        pg = ann.page("/topics")
        assert pg.form(action="/topics", has=("q", "sort")).fields.get("tag") == ""
