"""MISP import and the exports for other products (R11.3): a MISP event
posted to /api/v1/indicators/import?format=misp becomes STIX 2.1 objects
(indicators, observed-data, a report) with deterministic ids, so a second
import stores nothing new; a bad event is a 422 naming the attribute and
stores nothing; what is imported into a community stays in it (ACL).
Suricata/Snort rules and the MISP feed (manifest.json, hashes.csv, event
files) carry the collection and TLP, never TLP:RED, and follow the ACL."""

import copy
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import uuid

import pytest

TAXII = "application/taxii+json;version=2.1"
GREEN2 = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER2 = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
EV_UUID = "5e6b322a-9f80-4e2f-9f2a-3cab0a0a0a01"


def setup_server(s):
    s.add_org("rail", "Rail Co", sector="railway")
    s.add_org("bank", "Bank Co", sector="finance")
    s.add_user("rail1", "rail")
    s.add_user("bank1", "bank")


@pytest.fixture(scope="module")
def keys(server):
    return {u: server.apikey(u) for u in ("rail1", "bank1")}


@pytest.fixture(scope="module")
def rail(server, keys):
    return server.api(keys["rail1"])


@pytest.fixture(scope="module")
def bank(server, keys):
    return server.api(keys["bank1"])


@pytest.fixture(scope="module")
def private(server):
    """A community of rail's alone (invite only): the bank is not in it."""
    c = server.login("rail1")
    r = c.submit("/communities/new", {"slug": "rail-only", "name_ja": "鉄道", "name_en": "Rail only",
                                      "description": "", "join_policy": "invite"},
                 action="/communities/new")
    assert r.status_code == 303, r.text[:300]
    return "rail-only"


def attr(t, value, to_ids=True, u=None, ts="1700000000", tags=None, comment=""):
    a = {"uuid": u or str(uuid.uuid4()), "type": t, "category": "Network activity", "value": value,
         "to_ids": to_ids, "timestamp": ts, "comment": comment, "distribution": "5", "deleted": False}
    if tags:
        a["Tag"] = [{"name": n} for n in tags]
    return a


def event(attrs, objects=(), tags=("tlp:green",), ev_uuid=EV_UUID, info="Phishing wave against railways"):
    return {"Event": {
        "uuid": ev_uuid, "info": info, "date": "2023-11-14", "timestamp": "1700000100",
        "publish_timestamp": "1700000200", "published": True, "analysis": "2", "threat_level_id": "2",
        "Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
        "Tag": [{"name": t, "colour": "#33FF00", "exportable": True} for t in tags],
        "Attribute": list(attrs), "Object": list(objects)}}


def sample():
    attrs = [
        attr("ip-dst", "198.51.100.77", u="0d3b5c5a-1111-4a4a-8b8b-000000000001", comment="C2"),
        attr("ip-src", "203.0.113.0/24", u="0d3b5c5a-1111-4a4a-8b8b-000000000002"),
        attr("domain", "misp-c2.example", u="0d3b5c5a-1111-4a4a-8b8b-000000000003"),
        attr("url", "http://misp-c2.example/gate.php?id=1", u="0d3b5c5a-1111-4a4a-8b8b-000000000004"),
        attr("sha256", "4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877",
             u="0d3b5c5a-1111-4a4a-8b8b-000000000005"),
        attr("ip-dst|port", "192.0.2.55|8443", u="0d3b5c5a-1111-4a4a-8b8b-000000000006"),
        attr("domain|ip", "misp-pair.example|192.0.2.56", u="0d3b5c5a-1111-4a4a-8b8b-000000000007",
             tags=["tlp:amber"]),
        attr("filename|md5", "invoice.exe|d41d8cd98f00b204e9800998ecf8427e",
             u="0d3b5c5a-1111-4a4a-8b8b-000000000008"),
        attr("email-src", "phisher@misp-c2.example", u="0d3b5c5a-1111-4a4a-8b8b-000000000009"),
        attr("ip-dst", "198.51.100.78", to_ids=False, u="0d3b5c5a-1111-4a4a-8b8b-00000000000a"),
        attr("comment", "seen on three hosts", to_ids=False, u="0d3b5c5a-1111-4a4a-8b8b-00000000000b"),
        attr("hostname", "red.misp-c2.example", u="0d3b5c5a-1111-4a4a-8b8b-00000000000c", tags=["tlp:red"]),
    ]
    obj = {"uuid": "7a1c7e2e-2222-4b4b-9c9c-000000000001", "name": "file", "meta-category": "file",
           "timestamp": "1700000050", "Attribute": [
               attr("filename", "dropper.dll", u="7a1c7e2e-2222-4b4b-9c9c-000000000011"),
               attr("md5", "0cc175b9c0f1b6a831c399e269772661", u="7a1c7e2e-2222-4b4b-9c9c-000000000012"),
               attr("sha1", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", u="7a1c7e2e-2222-4b4b-9c9c-000000000013"),
               attr("size-in-bytes", "4096", to_ids=False, u="7a1c7e2e-2222-4b4b-9c9c-000000000014"),
           ]}
    dip = {"uuid": "7a1c7e2e-2222-4b4b-9c9c-000000000002", "name": "domain-ip", "timestamp": "1700000060",
           "Attribute": [attr("domain", "obj-c2.example", u="7a1c7e2e-2222-4b4b-9c9c-000000000021"),
                         attr("ip-dst", "192.0.2.61", u="7a1c7e2e-2222-4b4b-9c9c-000000000022"),
                         attr("ip-dst", "192.0.2.62", u="7a1c7e2e-2222-4b4b-9c9c-000000000023")]}
    return event(attrs, [obj, dip])


def imp(api, body, collection="consultation", ctype="application/json", fmt="misp"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.post("/api/v1/indicators/import", params={"collection": collection, "format": fmt},
                    data=data.encode() if isinstance(data, str) else data, headers={"Content-Type": ctype})


def bundle(api, collection):
    r = api.get("/api/v1/indicators/export", params={"format": "stix", "collection": collection})
    assert r.status_code == 200, r.text[:300]
    return r.json()["objects"]


def test_import_maps_event_to_stix(rail, bank):
    r = imp(rail, sample())
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["events"] == 1 and j["reports"] == 1
    # 10 to_ids attributes + 2 objects; one observed-data; "comment" skipped
    assert j["indicators"] == 12 and j["observed_data"] == 1
    assert {"reason": "type comment has no STIX mapping", "count": 1} in j["skipped_reasons"]
    objs = {o["id"]: o for o in bundle(bank, "consultation")}
    inds = {o["name"]: o for o in objs.values() if o["type"] == "indicator"}
    ip = inds["ip-dst: 198.51.100.77"]
    assert ip["pattern"] == "[ipv4-addr:value = '198.51.100.77']"
    assert ip["description"] == "C2" and ip["object_marking_refs"] == [GREEN2]
    assert ip["id"] == "indicator--" + str(uuid.uuid5(uuid.UUID("1d4c6a2e-5b1f-4f3a-9c7e-6b0d2a8f4e51"),
                                                       "indicator:0d3b5c5a-1111-4a4a-8b8b-000000000001"))
    assert ip["created"].startswith("2023-11-14T22:13:20")
    assert inds["ip-src: 203.0.113.0/24"]["pattern"] == "[ipv4-addr:value = '203.0.113.0/24']"
    assert inds["ip-dst|port: 192.0.2.55|8443"]["pattern"] == \
        "[ipv4-addr:value = '192.0.2.55'] AND [network-traffic:dst_port = 8443]"
    pair = inds["domain|ip: misp-pair.example|192.0.2.56"]
    assert pair["pattern"] == "[domain-name:value = 'misp-pair.example'] AND [ipv4-addr:value = '192.0.2.56']"
    assert pair["object_marking_refs"] == [AMBER2]  # the attribute's tag is stricter than the event's
    assert inds["filename|md5: invoice.exe|d41d8cd98f00b204e9800998ecf8427e"]["pattern"] == \
        "[file:name = 'invoice.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"
    assert inds["email-src: phisher@misp-c2.example"]["pattern"] == \
        "[email-message:from_ref.value = 'phisher@misp-c2.example']"
    f = inds["file: dropper.dll"]
    assert f["pattern"] == ("[file:name = 'dropper.dll' AND file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661'"
                            " AND file:hashes.'SHA-1' = '86f7e437faa5a7fce15d1ddcb9eaeaea377667b8'"
                            " AND file:size = 4096]")
    d = inds["domain-ip: obj-c2.example"]
    assert d["pattern"] == ("[domain-name:value = 'obj-c2.example'] AND "
                            "[(ipv4-addr:value = '192.0.2.61' OR ipv4-addr:value = '192.0.2.62')]")
    # TLP:RED stays with rail; the bank never sees it
    assert "hostname: red.misp-c2.example" not in inds
    od = [o for o in objs.values() if o["type"] == "observed-data"]
    assert len(od) == 1 and objs[od[0]["object_refs"][0]]["value"] == "198.51.100.78"
    rep = [o for o in objs.values() if o["type"] == "report"]
    assert len(rep) == 1 and rep[0]["name"] == "Phishing wave against railways"
    assert len(rep[0]["object_refs"]) == 13
    assert rep[0]["published"].startswith("2023-11-14T22:16:40")
    # the extracted values feed blocklists and correlation
    assert "198.51.100.77" in bank.get("/api/v1/indicators/blocklist/ipv4-addr").text.splitlines()
    assert "misp-c2.example" in bank.get("/api/v1/indicators/blocklist/domain-name").text.splitlines()


def test_reimport_is_idempotent(rail, bank):
    before = bundle(rail, "consultation")
    r = imp(rail, sample())
    assert r.status_code == 201, r.text
    after = bundle(rail, "consultation")
    assert sorted(o["id"] for o in after) == sorted(o["id"] for o in before)
    # a changed attribute (new timestamp) is a new version of the same indicator
    ev = sample()
    ev["Event"]["Attribute"][0]["timestamp"] = "1700001000"
    ev["Event"]["Attribute"][0]["comment"] = "C2, confirmed"
    ev["Event"]["timestamp"] = "1700001000"
    assert imp(rail, ev).status_code == 201
    objs = [o for o in bundle(rail, "consultation") if o.get("name") == "ip-dst: 198.51.100.77"]
    assert len(objs) == 1 and objs[0]["description"] == "C2, confirmed"


def test_list_and_response_shapes(rail):
    e1 = event([attr("ip-dst", "192.0.2.91")], ev_uuid=str(uuid.uuid4()))
    e2 = event([attr("domain", "list-shape.example")], ev_uuid=str(uuid.uuid4()))
    r = imp(rail, [e1, e2])
    assert r.status_code == 201, r.text
    assert r.json()["events"] == 2 and r.json()["reports"] == 2
    r = imp(rail, {"response": [e1, e2["Event"]]})
    assert r.status_code == 201 and r.json()["events"] == 2


def test_bad_events_are_422_and_store_nothing(rail, bank):
    marker = "192.0.2.199"
    bad = event([attr("ip-dst", marker), attr("ip-dst", "999.1.2.3"), attr("ip-dst|port", "192.0.2.1|http")],
                ev_uuid=str(uuid.uuid4()))
    r = imp(rail, bad)
    assert r.status_code == 422, r.text
    lines = r.json()["error"]["lines"]
    assert any(l.startswith("event 1 attribute 3 (ip-dst|port 192.0.2.1|http): the port") for l in lines), lines
    r = imp(rail, event([attr("ip-dst", marker), attr("ip-dst", "999.1.2.3")], ev_uuid=str(uuid.uuid4())))
    assert r.status_code == 422
    lines = r.json()["error"]["lines"]
    assert len(lines) == 1 and lines[0].startswith("event 1 attribute 2 (ip-dst 999.1.2.3): invalid STIX pattern")
    assert marker not in bank.get("/api/v1/indicators/blocklist/ipv4-addr").text.splitlines()

    r = imp(rail, '{"Event": {"uuid": "x",\n "Attribute": [}')
    assert r.status_code == 422 and r.json()["error"]["lines"][0].startswith("line 2, column")
    for body, needle in [
        ({"Event": {"info": "no uuid", "timestamp": "1", "Attribute": []}}, "uuid is missing"),
        (event([attr("ip-dst", "192.0.2.1", ts="yesterday")]), "timestamp must be epoch seconds"),
        (event([{"type": "ip-dst"}]), "missing value"),
        (event([attr("ip-dst", "192.0.2.1", tags=["tlp:purple"])]), "unknown TLP tag"),
        ({"Event": {"uuid": EV_UUID, "timestamp": "1", "Attribute": {"a": 1}}}, "Attribute must be a list"),
        ({"hello": "world"}, "not a MISP event"),
        ("[" * 40 + "]" * 40, "nested deeper"),
        ([], "no MISP event"),
    ]:
        r = imp(rail, body)
        assert r.status_code == 422, (body, r.text)
        assert any(needle in l for l in r.json()["error"]["lines"]), (needle, r.text)
    assert imp(rail, b"\xff\xfe{}").status_code == 422
    assert imp(rail, sample(), ctype="text/csv").status_code == 415
    assert imp(rail, sample(), fmt="stix2").status_code == 400
    assert imp(rail, sample(), collection="general").status_code == 403
    assert imp(rail, sample(), collection="no-such").status_code == 404


def test_acl_other_community_cannot_see(server, rail, bank, private):
    ev = event([attr("ip-dst", "192.0.2.222"), attr("domain", "private-only.example")],
               ev_uuid=str(uuid.uuid4()))
    r = imp(rail, ev, collection=private)
    assert r.status_code == 201, r.text
    assert "192.0.2.222" in rail.get("/api/v1/indicators/blocklist/ipv4-addr").text.splitlines()
    assert "192.0.2.222" not in bank.get("/api/v1/indicators/blocklist/ipv4-addr").text.splitlines()
    assert imp(bank, ev, collection=private).status_code == 404
    assert bank.get("/api/v1/indicators/export", params={"format": "stix", "collection": private}).status_code == 404
    assert "private-only.example" not in bank.get("/api/v1/indicators/export", params={"format": "suricata"}).text
    assert "private-only.example" in rail.get("/api/v1/indicators/export", params={"format": "suricata"}).text
    m = bank.get("/api/v1/indicators/misp-feed/manifest.json").json()
    assert not any("rail-only" in e["info"] for e in m.values())
    mr = rail.get("/api/v1/indicators/misp-feed/manifest.json").json()
    priv = [u for u, e in mr.items() if "rail-only" in e["info"]]
    assert priv
    assert bank.get("/api/v1/indicators/misp-feed/%s.json" % priv[0]).status_code == 404
    assert rail.get("/api/v1/indicators/misp-feed/%s.json" % priv[0]).status_code == 200


SID = re.compile(r"sid:(\d+);")


def test_suricata_and_snort_rules(rail, bank):
    r = bank.get("/api/v1/indicators/export", params={"format": "suricata", "collection": "consultation"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    rules = [l for l in text.splitlines() if l.startswith("alert ")]
    sids = [int(SID.search(l).group(1)) for l in rules]
    assert len(sids) == len(set(sids)) and all(1000000000 < s < 2 ** 32 for s in sids)
    ip = [l for l in rules if "198.51.100.77" in l]
    assert len(ip) == 1 and ip[0].startswith("alert ip $HOME_NET any <> 198.51.100.77 any (")
    assert 'msg:"Kairan consultation TLP:GREEN ipv4-addr 198.51.100.77"' in ip[0]
    dom = [l for l in rules if "misp-c2.example TLP" in l or "ipv4-addr" not in l and "misp-c2.example\"" in l]
    assert any(l.startswith("alert dns ") and 'dns.query; dotprefix; content:".misp-c2.example"' in l for l in rules)
    assert any(l.startswith("alert tls ") and 'tls.sni; dotprefix; content:".misp-c2.example"' in l for l in rules)
    url = [l for l in rules if l.startswith("alert http ") and "gate.php" in l]
    assert len(url) == 1 and 'http.host; content:"misp-c2.example"' in url[0]
    assert 'http.uri; content:"/gate.php?id=1"' in url[0]
    amber = [l for l in rules if "misp-pair.example" in l]
    assert amber and all("TLP:AMBER" in l for l in amber)
    assert "red.misp-c2.example" not in text
    assert "filemd5:kairan-md5.list" in text  # explained, commented out
    # stable: the same sids on a second export, and a different base moves them all
    again = bank.get("/api/v1/indicators/export", params={"format": "suricata", "collection": "consultation"}).text
    assert [int(s) for s in SID.findall(again)] == [int(s) for s in SID.findall(text)]
    moved = bank.get("/api/v1/indicators/export", params={"format": "suricata", "collection": "consultation",
                                                          "sid_base": "3000000"}).text
    assert [int(s) - 3000000 for s in SID.findall(moved)] == [int(s) - 1000000000 for s in SID.findall(text)]
    assert bank.get("/api/v1/indicators/export", params={"format": "suricata", "sid_base": "x"}).status_code == 400
    # red is exported to nobody, not even its own organisation
    assert "red.misp-c2.example" not in rail.get("/api/v1/indicators/export", params={"format": "suricata"}).text

    r = bank.get("/api/v1/indicators/export", params={"format": "snort", "collection": "consultation"})
    assert r.status_code == 200
    srules = [l for l in r.text.splitlines() if l.startswith("alert ")]
    assert any(l.startswith("alert udp $HOME_NET any -> any 53 (") and
               'content:"|07|misp-c2|07|example|00|"' in l for l in srules)
    assert any("http_uri" in l and "gate.php" in l for l in srules)


def test_rules_escape_hostile_values(rail, bank):
    # a URL whose characters mean something in rule syntax
    ev = event([attr("url", 'http://evil.example/a;b"c|d\\e')], ev_uuid=str(uuid.uuid4()))
    assert imp(rail, ev).status_code == 201
    text = bank.get("/api/v1/indicators/export", params={"format": "suricata"}).text
    line = [l for l in text.splitlines() if "evil.example" in l and l.startswith("alert")]
    assert len(line) == 1
    assert 'content:"/a|3B|b|22|c|7C|d|5C|e"' in line[0]
    assert 'msg:"Kairan consultation TLP:GREEN url http://evil.example/a\\;b\\"c|d\\\\e"' in line[0]


@pytest.mark.skipif(not shutil.which("suricata"), reason="suricata not installed")
def test_suricata_accepts_the_rules(bank, tmp_path):
    text = bank.get("/api/v1/indicators/export", params={"format": "suricata"}).text
    p = tmp_path / "kairan.rules"
    p.write_text(text)
    r = subprocess.run(["suricata", "-T", "-S", str(p), "-l", str(tmp_path)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_misp_feed(rail, bank):
    r = bank.get("/api/v1/indicators/misp-feed/manifest.json")
    assert r.status_code == 200
    man = r.json()
    assert man and all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}", u)
                       for u in man)
    for u, e in man.items():
        assert {"info", "date", "timestamp", "Orgc", "Tag", "analysis", "threat_level_id"} <= set(e)
        assert len(e["Tag"]) == 1 and e["Tag"][0]["name"].startswith("tlp:")
        assert e["Tag"][0]["name"] != "tlp:red"
    tlps = {e["Tag"][0]["name"] for e in man.values()}
    assert {"tlp:green", "tlp:amber"} <= tlps
    r = bank.get("/api/v1/indicators/misp-feed/hashes.csv")
    assert r.status_code == 200
    pairs = [tuple(l.split(",")) for l in r.text.splitlines()]
    assert all(u in man for _, u in pairs)
    h = hashlib.md5(b"198.51.100.77").hexdigest()
    hit = [u for m, u in pairs if m == h]
    assert len(hit) == 1
    assert hashlib.md5(b"red.misp-c2.example").hexdigest() not in {m for m, _ in pairs}
    r = bank.get("/api/v1/indicators/misp-feed/%s.json" % hit[0])
    assert r.status_code == 200
    ev = r.json()["Event"]
    assert ev["uuid"] == hit[0] and ev["timestamp"] == man[hit[0]]["timestamp"]
    assert ev["Tag"] == man[hit[0]]["Tag"]
    vals = {a["value"]: a for a in ev["Attribute"]}
    assert vals["198.51.100.77"]["type"] == "ip-dst" and vals["198.51.100.77"]["to_ids"] is True
    assert all(a["event_uuid"] == hit[0] for a in ev["Attribute"])
    uuids = [a["uuid"] for a in ev["Attribute"]]
    assert len(uuids) == len(set(uuids))
    # the feed's event goes back in as a MISP import
    assert imp(rail, r.content).status_code == 201
    bad = hit[0][:28] + "4" + hit[0][29:]  # the RED bucket of the same day
    assert bank.get("/api/v1/indicators/misp-feed/%s.json" % bad).status_code == 404
    assert bank.get("/api/v1/indicators/misp-feed/nonsense.json").status_code == 404
    assert bank.get("/api/v1/indicators/misp-feed/%s.json" % str(uuid.uuid4())).status_code == 404


def test_exports_past_one_chunk(rail, bank):
    """More values than one chunk (500) of every export: nothing lost or
    repeated at the chunk boundaries, sids still unique."""
    n = 1300
    attrs = [attr("ip-dst", "10.77.%d.%d" % (i // 250, i % 250 + 1)) for i in range(n)]
    attrs += [attr("domain", "bulk%d.example" % i) for i in range(600)]
    ev = event(attrs, ev_uuid=str(uuid.uuid4()), info="bulk")
    r = imp(rail, ev, collection="consultation")
    assert r.status_code == 201, r.text[:300]
    text = bank.get("/api/v1/indicators/export", params={"format": "suricata"}).text
    rules = [l for l in text.splitlines() if l.startswith("alert ")]
    ips = [l for l in rules if "10.77." in l]
    assert len(ips) == n
    assert len([l for l in rules if re.search(r"bulk\d+\.example", l)]) == 2 * 600
    sids = [int(SID.search(l).group(1)) for l in rules]
    assert len(sids) == len(set(sids))
    pairs = [l.split(",") for l in bank.get("/api/v1/indicators/misp-feed/hashes.csv").text.splitlines()]
    bulk = {hashlib.md5(("10.77.%d.%d" % (i // 250, i % 250 + 1)).encode()).hexdigest() for i in range(n)}
    got = [m for m, _ in pairs if m in bulk]
    assert len(got) == n and set(got) == bulk
    u = [u for m, u in pairs if m in bulk][0]
    evj = bank.get("/api/v1/indicators/misp-feed/%s.json" % u).json()["Event"]
    vals = [a["value"] for a in evj["Attribute"]]
    assert len(vals) == len(set(vals)) or len(vals) == len(set(a["uuid"] for a in evj["Attribute"]))
    assert {"10.77.%d.%d" % (i // 250, i % 250 + 1) for i in range(n)} <= set(vals)
