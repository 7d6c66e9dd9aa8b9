"""Keyword search over HTTP (issue 3, R7.2): two-character Japanese words
and English words, ranked, for the allowed people only - in the web list,
the JSON list filter and GET /api/v1/search - with hostile queries
answered cleanly."""

import pytest

from conftest import sql


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


# ---- addresses, domains and CVE ids as one word (compound tokens) ----

def _ids(api, q):
    r = api.get("/api/v1/search", params={"q": q, "limit": 50})
    assert r.status_code == 200, r.text
    return {t["id"] for t in r.json()["items"]}


@pytest.fixture(scope="module")
def indicators(server):
    api = server.api(server.apikey("s-coord"))
    ids = []
    for title, body in [
        ("C2 通信先の共有", "通信先: 198.51.100.23 (hxxp://evil-host.example.com/gate.php)。"
                          "CVE-2021-44228 を悪用した攻撃を観測。"),
        # The parts of 198.51.100.24 side by side, as counts: the phrase of
        # parts that searching an address used to be matched this.
        ("ポート別の件数", "ポート別件数: 198, 51, 100, 24。"),
        # The parts of 198.51.100.23 scattered over sentences.
        ("Weekly numbers", "198 hosts scanned. 51 alerts. 100 tickets. 23 closed."),
    ]:
        r = api.post("/api/v1/topics", json={
            "community": "general", "title": title, "category": "observation", "tlp": "clear",
            "body": body})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_addresses_domains_and_cve_ids_are_one_word(server, indicators):
    c2, counts, scattered = indicators
    api = server.api(server.apikey("s-other1"))
    assert _ids(api, "198.51.100.23") == {c2}
    assert _ids(api, "198.51.100.24") == set()
    assert _ids(api, "198.51.100.2") == set()
    # In a URL, in full-width digits, next to Japanese.
    assert _ids(api, "hxxp://evil-host.example.com/gate.php") == {c2}
    assert _ids(api, "１９８．５１．１００．２３") == {c2}
    assert _ids(api, "通信先:198.51.100.23") == {c2}
    assert _ids(api, "evil-host.example.com") == {c2}
    assert c2 in _ids(api, "example.com")  # a parent domain
    assert _ids(api, "CVE-2021-44228") == {c2}
    assert _ids(api, "cve-2021-4422") == set()
    assert c2 in _ids(api, "CVE-2021")
    # The parts are still words of their own.
    assert {c2, counts, scattered} <= _ids(api, "100")
    assert {c2, scattered} <= _ids(api, "198 23")


def test_migration_reindexes_topics_indexed_before(server, indicators):
    """Migration 13 re-tokenizes what was indexed before compound tokens
    existed (SQLite: FTS5 rebuild; PostgreSQL: a reindex job)."""
    api = server.api(server.apikey("s-coord"))
    r = api.post("/api/v1/topics", json={
        "community": "general", "title": "旧データ", "category": "observation", "tlp": "clear",
        "body": "送信元 192 0 2 77"})
    assert r.status_code == 201, r.text
    old = r.json()["id"]
    # The index as the old tokenizer wrote it for "送信元 192.0.2.77" (the
    # parts at consecutive positions, no compound), under the new text.
    new_body = "送信元 192.0.2.77"
    sql(server, "UPDATE topics SET body = '%s' WHERE id = (SELECT id FROM topics WHERE title = '旧データ')"
        % new_body)
    if not server.db.startswith("postgres"):
        sql(server, "UPDATE topic_fts_content SET c1 = '%s'"
                    " WHERE id = (SELECT id FROM topics WHERE title = '旧データ')" % new_body)
    assert old not in _ids(api, "192.0.2.77")  # stale: the test can fail
    server.stop()
    try:
        sql(server, "DELETE FROM schema_migrations WHERE version = 13")
        server.cli("migrate")
        server.cli("jobs run")  # PostgreSQL: the queued topic_reindex
    finally:
        server.start()
    api = server.api(server.apikey("s-coord"))
    assert _ids(api, "192.0.2.77") == {old}
    assert old in _ids(api, "送信元")
    # What was indexed right stays so.
    assert _ids(api, "198.51.100.23") == {indicators[0]}
