"""TAXII 2.1 server (R11.2): discovery, API root, collections mapped to
communities, objects (GET with limit/next/added_after/match, POST with a
status resource), object by id, versions, manifest, delete, status; the
media-type rules (406/415/422), malformed parameters (400), keyset paging
that keeps working while objects are added, and TLP:RED never served
beyond the contributing organisation (R5.3)."""

import base64
import json
import uuid

import pytest
import requests

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def setup_server(s):
    s.add_org("rail", "Rail Co", sector="railway")
    s.add_org("bank", "Bank Co", sector="finance")
    s.add_user("rail1", "rail")
    s.add_user("rail2", "rail")
    s.add_user("bank1", "bank")


class Taxii:
    """A TAXII client: HTTP Basic with the API key as password."""

    def __init__(self, base, key, bearer=False):
        self.base = base
        self.s = requests.Session()
        if bearer:
            self.s.headers["Authorization"] = "Bearer " + key
        else:
            self.s.auth = ("taxii", key)
        self.s.headers["Accept"] = TAXII

    def get(self, path, **kw):
        return self.s.get(self.base + path, timeout=30, **kw)

    def post(self, path, body, ctype=TAXII, **kw):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.s.post(self.base + path, data=data, headers={"Content-Type": ctype}, timeout=60, **kw)

    def delete(self, path, **kw):
        return self.s.delete(self.base + path, timeout=30, **kw)


@pytest.fixture(scope="module")
def keys(server):
    return {u: server.apikey(u) for u in ("rail1", "rail2", "bank1")}


@pytest.fixture(scope="module")
def rail1(server, keys):
    return Taxii(server.base, keys["rail1"])


@pytest.fixture(scope="module")
def rail2(server, keys):
    return Taxii(server.base, keys["rail2"])


@pytest.fixture(scope="module")
def bank1(server, keys):
    return Taxii(server.base, keys["bank1"])


def collections(c):
    r = c.get("/taxii2/api/collections/")
    assert r.status_code == 200, r.text
    return {x["alias"]: x for x in r.json().get("collections", [])}


@pytest.fixture(scope="module")
def coll(rail1):
    """The consultation community's collection: every member may write."""
    cs = collections(rail1)
    assert cs["consultation"]["can_write"] is True
    return "/taxii2/api/collections/%s/" % cs["consultation"]["id"]


def indicator(value, modified="2024-01-01T00:00:00.000Z", marking=None, sid=None):
    o = {
        "type": "indicator", "spec_version": "2.1",
        "id": sid or "indicator--%s" % uuid.uuid4(),
        "created": "2024-01-01T00:00:00.000Z", "modified": modified,
        "name": "bad address", "pattern": "[ipv4-addr:value = '%s']" % value,
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
    }
    if marking:
        o["object_marking_refs"] = [marking]
    return o


def assert_taxii_error(r, status):
    assert r.status_code == status, (r.status_code, r.text[:400])
    assert r.headers["Content-Type"] == TAXII
    e = r.json()
    assert isinstance(e["title"], str) and e["title"]
    assert e["http_status"] == str(status)
    return e


def post_ok(c, coll, objects):
    r = c.post(coll + "objects/", {"objects": objects})
    assert r.status_code == 202, r.text[:500]
    assert r.headers["Content-Type"] == TAXII
    st = r.json()
    assert st["status"] == "complete"
    assert st["total_count"] == len(objects)
    assert st["success_count"] == len(objects), st
    assert st["failure_count"] == 0 and st["pending_count"] == 0
    return st


def test_discovery_and_api_root(rail1):
    r = rail1.get("/taxii2/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == TAXII
    d = r.json()
    assert d["title"]
    assert any(u.endswith("/taxii2/api/") for u in d["api_roots"])
    r = rail1.get("/taxii2/api/")
    assert r.status_code == 200 and r.headers["Content-Type"] == TAXII
    root = r.json()
    assert root["versions"] == [TAXII]
    assert root["max_content_length"] > 0 and root["title"]


def test_authentication(server, keys):
    r = requests.get(server.base + "/taxii2/", headers={"Accept": TAXII}, timeout=10)
    assert_taxii_error(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = requests.get(server.base + "/taxii2/", headers={"Accept": TAXII}, auth=("x", "kr_wrong"), timeout=10)
    assert r.status_code == 401
    assert Taxii(server.base, keys["bank1"], bearer=True).get("/taxii2/").status_code == 200


def test_accept_rules(rail1, coll):
    for accept in ("application/taxii+json", TAXII, "application/taxii+json; version=2.1",
                   "text/html, application/taxii+json;version=2.1;q=0.5"):
        r = rail1.get(coll + "objects/", headers={"Accept": accept})
        assert r.status_code == 200, (accept, r.status_code)
        assert r.headers["Content-Type"] == TAXII
    for accept in ("application/json", "application/taxii+json;version=2.0", "text/html",
                   "application/taxii+json;version=2.1;q=0"):
        for path in ("/taxii2/", "/taxii2/api/", "/taxii2/api/collections/", coll, coll + "objects/",
                     coll + "manifest/"):
            assert_taxii_error(rail1.get(path, headers={"Accept": accept}), 406)


def test_collections_follow_membership(rail1, bank1):
    cs = collections(rail1)
    for alias in ("general", "consultation"):
        c = cs[alias]
        assert c["can_read"] is True
        assert c["media_types"] == [STIX]
        uuid.UUID(c["id"])
    assert cs["general"]["can_write"] is False  # moderators post there
    # the organisation's own observation community is not the bank's
    mine = set(cs) - set(collections(bank1))
    for alias in mine:
        r = bank1.get("/taxii2/api/collections/%s/" % cs[alias]["id"])
        assert_taxii_error(r, 404)
    assert_taxii_error(rail1.get("/taxii2/api/collections/%s/" % uuid.uuid4()), 404)


def test_post_media_type_and_shape(rail1, coll):
    ind = indicator("198.51.100.1")
    assert_taxii_error(rail1.post(coll + "objects/", {"objects": [ind]}, ctype="application/json"), 415)
    assert_taxii_error(rail1.post(coll + "objects/", {"objects": [ind]}, ctype=STIX), 415)
    bundle = {"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": [ind]}
    assert_taxii_error(rail1.post(coll + "objects/", bundle), 422)
    assert_taxii_error(rail1.post(coll + "objects/", [ind]), 422)
    assert_taxii_error(rail1.post(coll + "objects/", "{not json"), 400)
    assert_taxii_error(rail1.post(coll + "objects/", b'{"objects":[{"type":"\xff"}]}'), 400)


def test_post_invalid_object_stores_nothing(rail1, coll):
    good = indicator("198.51.100.2")
    bad = indicator("198.51.100.3")
    bad["pattern"] = "[ipv4-addr:value = '198.51.100.3' AND domain-name:value = 'x.example']"
    r = rail1.post(coll + "objects/", {"objects": [good, bad]})
    assert r.status_code == 202, r.text
    st = r.json()
    assert st["success_count"] == 0 and st["failure_count"] == 2
    reasons = {f["id"]: f["message"] for f in st["failures"]}
    assert "pattern" in reasons[bad["id"]]
    assert_taxii_error(rail1.get(coll + "objects/%s/" % good["id"]), 404)
    # the status resource is there for the poster
    r = rail1.get("/taxii2/api/status/%s/" % st["id"])
    assert r.status_code == 200 and r.json()["failure_count"] == 2


def test_post_get_versions_manifest_delete(rail1, rail2, bank1, coll):
    sid = "indicator--%s" % uuid.uuid4()
    v1 = indicator("203.0.113.5", "2024-01-01T00:00:00.000Z", sid=sid)
    v2 = indicator("203.0.113.6", "2024-02-01T00:00:00.000Z", sid=sid)
    st = post_ok(rail1, coll, [v1])
    assert st["successes"][0]["id"] == sid
    post_ok(rail1, coll, [v2])
    post_ok(rail1, coll, [v2])  # again: idempotent
    r = rail1.get("/taxii2/api/status/%s/" % st["id"])
    assert r.status_code == 200 and r.json()["id"] == st["id"]
    assert_taxii_error(bank1.get("/taxii2/api/status/%s/" % st["id"]), 404)

    r = bank1.get(coll + "objects/%s/" % sid)
    assert r.status_code == 200 and r.headers["Content-Type"] == TAXII
    env = r.json()
    assert env["more"] is False and "next" not in env
    assert [o["modified"] for o in env["objects"]] == ["2024-02-01T00:00:00.000Z"]
    assert env["objects"][0] == v2  # kept as received
    assert r.headers["X-TAXII-Date-Added-First"].endswith("Z")
    assert len(r.headers["X-TAXII-Date-Added-First"]) == len("2024-01-01T00:00:00.000000Z")
    r = bank1.get(coll + "objects/%s/" % sid, params={"match[version]": "all"})
    assert len(r.json()["objects"]) == 2
    r = bank1.get(coll + "objects/%s/" % sid, params={"match[version]": "first"})
    assert [o["modified"] for o in r.json()["objects"]] == ["2024-01-01T00:00:00.000Z"]
    r = bank1.get(coll + "objects/%s/" % sid, params={"match[version]": "2024-01-01T00:00:00.000Z"})
    assert [o["modified"] for o in r.json()["objects"]] == ["2024-01-01T00:00:00.000Z"]

    r = bank1.get(coll + "objects/%s/versions/" % sid)
    assert r.status_code == 200
    assert r.json()["versions"] == ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"]
    assert r.json()["more"] is False

    r = bank1.get(coll + "manifest/", params={"match[id]": sid, "match[version]": "all"})
    assert r.status_code == 200
    man = r.json()["objects"]
    assert [m["version"] for m in man] == ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"]
    assert all(m["id"] == sid and m["media_type"] == STIX and m["date_added"].endswith("Z") for m in man)

    # only the contributing organisation (or a moderator) deletes
    assert_taxii_error(bank1.delete(coll + "objects/%s/" % sid), 403)
    r = rail2.delete(coll + "objects/%s/" % sid, params={"match[version]": "2024-02-01T00:00:00.000Z"})
    assert r.status_code == 200, r.text
    r = bank1.get(coll + "objects/%s/" % sid)
    assert [o["modified"] for o in r.json()["objects"]] == ["2024-01-01T00:00:00.000Z"]
    assert rail2.delete(coll + "objects/%s/" % sid).status_code == 200
    assert_taxii_error(bank1.get(coll + "objects/%s/" % sid), 404)
    assert_taxii_error(bank1.get(coll + "objects/%s/versions/" % sid), 404)
    assert_taxii_error(rail2.delete(coll + "objects/%s/" % sid), 404)


def test_match_filters(rail1, bank1, coll):
    ip = {"type": "ipv4-addr", "id": "ipv4-addr--%s" % uuid.uuid4(), "value": "192.0.2.77"}
    dom = {"type": "domain-name", "id": "domain-name--%s" % uuid.uuid4(), "value": "evil.example"}
    ind = indicator("192.0.2.78")
    post_ok(rail1, coll, [ip, dom, ind])
    ids = ",".join(o["id"] for o in (ip, dom, ind))
    r = bank1.get(coll + "objects/", params={"match[id]": ids, "match[type]": "ipv4-addr,domain-name"})
    assert sorted(o["id"] for o in r.json()["objects"]) == sorted([ip["id"], dom["id"]])
    r = bank1.get(coll + "objects/", params={"match[id]": ids, "match[spec_version]": "2.1"})
    assert len(r.json()["objects"]) == 3
    r = bank1.get(coll + "objects/", params={"match[id]": ids, "match[spec_version]": "2.0"})
    assert "objects" not in r.json() and r.json()["more"] is False
    # every 200 carries the date headers, an empty one too (TAXII 3.2)
    assert r.headers["X-TAXII-Date-Added-First"] == r.headers["X-TAXII-Date-Added-Last"]
    r = bank1.get(coll + "objects/", params={"match[type]": "tool"})
    assert "objects" not in r.json()


def test_bad_parameters_are_400(bank1, coll):
    for params in ({"limit": "0"}, {"limit": "-3"}, {"limit": "ten"}, {"limit": ""},
                   {"added_after": "yesterday"}, {"added_after": "2024-13-01T00:00:00Z"},
                   {"added_after": "2024-01-01T00:00:00"}, {"next": "garbage"}, {"next": ""},
                   {"match[version]": "2024-01-01"}):
        for path in ("objects/", "manifest/"):
            assert_taxii_error(bank1.get(coll + path, params=params), 400)
    # a limit over the server's page size is served, clamped
    assert bank1.get(coll + "objects/", params={"limit": "100000"}).status_code == 200


def test_paging_while_adding(rail1, bank1, coll):
    base = [indicator("198.51.100.%d" % i) for i in range(1, 36)]
    for i in range(0, 35, 7):
        post_ok(rail1, coll, base[i:i + 7])
    want = {o["id"] for o in base}
    r = bank1.get(coll + "objects/", params={"limit": "1"})
    first = r.json()["objects"][0]
    seen, pages, nxt, last_added = [], 0, None, None
    while True:
        params = {"limit": "10", "match[type]": "indicator"}
        if nxt:
            params["next"] = nxt
        r = bank1.get(coll + "objects/", params=params)
        assert r.status_code == 200, r.text
        env = r.json()
        assert ("next" in env) == env["more"]
        objs = env.get("objects", [])
        assert len(objs) <= 10
        if objs:
            assert r.headers["X-TAXII-Date-Added-First"] <= r.headers["X-TAXII-Date-Added-Last"]
            if last_added:
                assert r.headers["X-TAXII-Date-Added-First"] >= last_added
            last_added = r.headers["X-TAXII-Date-Added-Last"]
        seen += [o["id"] for o in objs]
        pages += 1
        # others keep posting while we page
        post_ok(rail1, coll, [indicator("192.0.2.%d" % (pages + 100))])
        if not env["more"]:
            break
        nxt = env["next"]
        assert pages < 50
    assert len(seen) == len(set(seen)), "an object came twice"
    assert want <= set(seen)
    assert pages >= 4
    # added_after: only what came later
    r = bank1.get(coll + "objects/", params={"added_after": last_added})
    assert r.status_code == 200
    later = r.json().get("objects", [])
    assert later and not (want & {o["id"] for o in later})
    assert first["id"] not in {o["id"] for o in later}


def test_red_stays_with_its_organisation(rail1, rail2, bank1, coll):
    red = indicator("203.0.113.66", marking=RED)
    post_ok(rail1, coll, [red])
    r = rail2.get(coll + "objects/%s/" % red["id"])
    assert r.status_code == 200 and r.json()["objects"][0]["id"] == red["id"]
    assert_taxii_error(bank1.get(coll + "objects/%s/" % red["id"]), 404)
    assert_taxii_error(bank1.get(coll + "objects/%s/versions/" % red["id"]), 404)
    for path in ("objects/", "manifest/"):
        r = bank1.get(coll + path, params={"match[id]": red["id"]})
        assert r.status_code == 200 and "objects" not in r.json()
    r = bank1.get(coll + "objects/", params={"limit": "1000"})
    assert red["id"] not in r.text
    assert_taxii_error(bank1.delete(coll + "objects/%s/" % red["id"]), 404)


def test_write_needs_post_rights(rail1):
    cs = collections(rail1)
    path = "/taxii2/api/collections/%s/objects/" % cs["general"]["id"]
    assert_taxii_error(rail1.post(path, {"objects": [indicator("198.51.100.9")]}), 403)
    r = rail1.get(path)
    assert r.status_code == 200


def test_unknown_paths_speak_taxii(rail1):
    assert_taxii_error(rail1.get("/taxii2/api/nothing/"), 404)
    assert_taxii_error(rail1.get("/taxii2/api/status/%s/" % uuid.uuid4()), 404)


# --- exports over the JSON API (R11.3): streamed, ACL-filtered, never RED ---


def test_exports(server, keys, rail1, bank1, coll):
    api = server.api(keys["bank1"])
    many = [indicator("198.51.100.%d" % (i % 250 + 1)) for i in range(1200)]
    many += [{"type": "domain-name", "id": "domain-name--%s" % uuid.uuid4(), "value": "d%d.example" % i}
             for i in range(600)]
    for i in range(0, len(many), 600):
        post_ok(rail1, coll, many[i:i + 600])
    red = indicator("203.0.113.250", marking=RED)
    post_ok(rail1, coll, [red])

    r = api.get("/api/v1/indicators/export", params={"format": "stix", "collection": "consultation"})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == STIX
    assert r.headers.get("Transfer-Encoding") == "chunked"
    b = r.json()
    assert b["type"] == "bundle" and b["id"].startswith("bundle--")
    ids = [o["id"] for o in b["objects"]]
    assert len(ids) == len(set(ids))
    assert {o["id"] for o in many} <= set(ids)
    assert red["id"] not in ids
    # the exported bundle is one we accept back
    r = rail1.post(coll + "objects/", {"objects": b["objects"][:50]})
    assert r.status_code == 202 and r.json()["success_count"] == 50

    r = api.get("/api/v1/indicators/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.split("\r\n")
    assert lines[0] == "type,value,tlp,collection,stix_id,date_added"
    rows = [l.split(",") for l in lines[1:] if l]
    assert any(x[0] == "domain-name" and x[1] == "d599.example" and x[2] == "green" for x in rows)
    assert not any(x[1] == "203.0.113.250" for x in rows)

    r = api.get("/api/v1/indicators/blocklist/ipv4-addr")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    vals = r.text.splitlines()
    assert vals == sorted(set(vals))
    assert {"198.51.100.%d" % i for i in range(1, 251)} <= set(vals)
    assert "203.0.113.250" not in vals
    # rail's own people see their RED indicator on TAXII, but it is never exported
    r = server.api(keys["rail2"]).get("/api/v1/indicators/blocklist/ipv4-addr")
    assert "203.0.113.250" not in r.text.splitlines()
    r = api.get("/api/v1/indicators/blocklist/domain-name", params={"collection": "consultation"})
    assert len([v for v in r.text.splitlines() if v.startswith("d") and v.endswith(".example")]) >= 600

    assert api.get("/api/v1/indicators/blocklist/passwords").status_code == 400
    assert api.get("/api/v1/indicators/export", params={"format": "xml"}).status_code == 400
    assert api.get("/api/v1/indicators/export", params={"format": "stix"}).status_code == 400
    assert api.get("/api/v1/indicators/export",
                   params={"format": "csv", "collection": "no-such"}).status_code == 404
    assert server.api(None).get("/api/v1/indicators/blocklist/url").status_code == 401


def test_csv_import(server, keys, rail1, bank1, coll):
    api = server.api(keys["rail1"])

    def imp(body, collection="consultation", ctype="text/csv"):
        return api.post("/api/v1/indicators/import", params={"collection": collection},
                        data=body.encode("utf-8") if isinstance(body, str) else body,
                        headers={"Content-Type": ctype})

    good = ('\ufefftype,value,tlp,comment\r\n'
            'ipv4-addr,192.0.2.201,amber,"scanner, seen twice"\r\n'
            'domain-name,csv-import.example,,\r\n'
            'url,http://csv-import.example/a?b=1,green,"a ""quoted"" word"\r\n'
            'sha-256,4BAC27393BDD9777CE02453256C5577CD02275510B2227F473D03F533924F877\n'
            "\n"
            "email-addr,o'brien@csv-import.example,red,\n")
    r = imp(good)
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 5
    # the rows are indicators on TAXII with their markings and comments
    r = bank1.get(coll + "objects/", params={"match[type]": "indicator", "limit": "1000",
                                             "added_after": "2000-01-01T00:00:00Z"})
    by_name = {}
    nxt = None
    while True:
        params = {"match[type]": "indicator", "limit": "1000"}
        if nxt:
            params["next"] = nxt
        env = bank1.get(coll + "objects/", params=params).json()
        for o in env.get("objects", []):
            by_name[o.get("name")] = o
        if not env["more"]:
            break
        nxt = env["next"]
    ip = by_name["192.0.2.201"]
    assert ip["pattern"] == "[ipv4-addr:value = '192.0.2.201']"
    assert ip["description"] == "scanner, seen twice"
    assert ip["object_marking_refs"] == ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    assert by_name["http://csv-import.example/a?b=1"]["description"] == 'a "quoted" word'
    assert "o'brien@csv-import.example" not in by_name  # RED: the bank never sees it
    r = server.api(keys["bank1"]).get("/api/v1/indicators/blocklist/sha-256")
    assert "4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877" in r.text.splitlines()

    # one bad row: nothing stored, every problem named by line
    bad = ("ipv4-addr,192.0.2.202\n"
           "ipv4-addr,999.1.2.3\n"
           "hostname,x.example\n"
           "domain-name,y.example,purple\n"
           '"unclosed,quote\n')
    r = imp(bad)
    assert r.status_code == 422, r.text
    lines = r.json()["error"]["lines"]
    assert [l.split(":")[0] for l in lines] == ["line 2", "line 3", "line 4", "line 5"]
    r = server.api(keys["bank1"]).get("/api/v1/indicators/blocklist/ipv4-addr")
    assert "192.0.2.202" not in r.text.splitlines()

    assert imp(good, ctype="application/json").status_code == 415
    assert imp(b"ipv4-addr,\xff\xfe\n").status_code == 422
    assert imp(good, collection="general").status_code == 403
    assert imp(good, collection="no-such").status_code == 404


def test_correlation_counts(server, keys, rail1, bank1, coll):
    value = "192.0.2.150"
    post_ok(rail1, coll, [indicator(value)])
    post_ok(bank1, coll, [{"type": "ipv4-addr", "id": "ipv4-addr--%s" % uuid.uuid4(), "value": value}])
    post_ok(rail1, coll, [indicator(value, marking=RED)])
    # a topic in the consultation community mentions it; a private one does not count for the bank
    rail_api = server.api(keys["rail1"])
    r = rail_api.post("/api/v1/topics", json={
        "community": "consultation", "title": "scanning from %s" % value, "category": "alert",
        "tlp": "green", "body": "seen at the gates"})
    assert r.status_code == 201, r.text
    bank_api = server.api(keys["bank1"])
    r = bank_api.get("/api/v1/indicators/correlation", params={"value": value})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c == {"value": value, "kind": None, "objects": 2, "organisations": 2, "collections": 1, "topics": 1}
    # rail's people also see their RED version
    c = rail_api.get("/api/v1/indicators/correlation", params={"value": value, "kind": "ipv4-addr"}).json()
    assert c["objects"] == 3 and c["organisations"] == 2
    c = bank_api.get("/api/v1/indicators/correlation", params={"value": "192.0.2.151"}).json()
    assert c["objects"] == 0 and c["topics"] == 0
    assert bank_api.get("/api/v1/indicators/correlation", params={"value": value, "kind": "x"}).status_code == 400
    assert bank_api.get("/api/v1/indicators/correlation").status_code == 400


def test_oversized_post_is_413_before_the_body(server, keys, coll):
    from conftest import raw_http
    auth = base64.b64encode(("x:" + keys["rail1"]).encode()).decode()
    req = ("POST %sobjects/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic %s\r\n"
           "Accept: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
           % (coll, auth, TAXII, TAXII, 32 * 1024 * 1024 + 1)).encode()
    status, head, body = raw_http(server.port, req)
    assert status == 413, head
    assert "application/taxii+json;version=2.1" in head
    e = json.loads(body)
    assert e["http_status"] == "413" and e["title"]
