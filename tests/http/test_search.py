"""Keyword search over HTTP (issue 3, R7.2): two-character Japanese words
and English words, ranked, for the allowed people only - in the web list,
the JSON list filter and GET /api/v1/search - with hostile queries
answered cleanly."""

import pytest


def setup_server(s):
    s.add_org("s-rail", "Search Rail", kind="critical_service", sector="railway")
    s.add_org("s-other", "Search Other", kind="venue")
    s.add_user("s-coord", "cc", role="coordinator")
    s.add_user("s-rail1", "s-rail")
    s.add_user("s-other1", "s-other")


@pytest.fixture(scope="module")
def posted(server):
    api = server.api(server.apikey("s-coord"))
    r = api.post("/api/v1/topics", json={
        "community": "professional", "title": "制御システムの障害について", "category": "alert",
        "tlp": "amber", "body": "詳細は添付のとおり", "scope": "manual", "scope_orgs": ["s-rail"]})
    assert r.status_code == 201, r.text
    amber = r.json()["id"]
    r = api.post("/api/v1/topics", json={
        "community": "general", "title": "Webサイト改ざんの注意喚起", "category": "alert",
        "tlp": "clear", "body": "DDoS campaign #OpBoycottOlympics against example.com"})
    assert r.status_code == 201, r.text
    return amber, r.json()["id"]


def test_japanese_two_characters_for_allowed_people_only(server, posted):
    amber, clear = posted
    rail = server.api(server.apikey("s-rail1"))
    other = server.api(server.apikey("s-other1"))
    r = rail.get("/api/v1/search", params={"q": "障害"})
    assert r.status_code == 200 and [t["id"] for t in r.json()["items"]] == [amber]
    r = other.get("/api/v1/search", params={"q": "障害"})
    assert r.status_code == 200 and r.json()["items"] == [] and r.json()["total"] == 0
    r = other.get("/api/v1/topics", params={"q": "改ざん"})
    assert [t["id"] for t in r.json()["items"]] == [clear]
    r = other.get("/api/v1/search", params={"q": "opboycottolympics"})
    assert [t["id"] for t in r.json()["items"]] == [clear]
    # The web list finds it too, and shows nothing of the hidden topic.
    c = server.login("s-other1")
    page = c.get("/topics", params={"q": "障害"})
    assert page.status_code == 200 and amber not in page.text and "制御システム" not in page.text
    c2 = server.login("s-rail1")
    page = c2.get("/topics", params={"q": "障害"})
    assert page.status_code == 200 and amber in page.text


@pytest.mark.parametrize("q", ['"', "NEAR(", "*", "a OR", "-x", ":", "'", "(((", "障害\" OR \"x"])
def test_hostile_queries_are_harmless(server, posted, q):
    other = server.api(server.apikey("s-other1"))
    r = other.get("/api/v1/search", params={"q": q})
    assert r.status_code == 200, r.text


def test_bad_queries_are_400(server, posted):
    other = server.api(server.apikey("s-other1"))
    assert other.get("/api/v1/search").status_code == 400
    assert other.get("/api/v1/search", params={"q": "x" * 300}).status_code == 400
    assert other.get("/api/v1/search", params={"q": "x", "sort": "nonsense"}).status_code == 400
