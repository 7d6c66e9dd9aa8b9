"""The indicator pages (web/indicator.c, R11 item 8): the list with its
filters, value search (exact and prefix), keyset paging and empty states;
the detail page with TLP, pattern, correlation counts, sightings, versions
and the STIX JSON; the same 404 for a hidden object as for a missing one
(TLP:RED beyond its organisation, a community one is not in); imports of
CSV lists and STIX bundles, inline and as a job with a status page, where
a bad file shows its precise problems and stores nothing; hostile names
and descriptions rendered inert."""

import json
import re
import time
import uuid

RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
XSS_NAME = "<script>alert('name')</script>"
XSS_DESC = "\"><img src=x onerror=alert(1)> & <b>bold</b>"


def setup_server(s):
    s.add_org("ip-rail", "IP Rail", sector="railway")
    s.add_org("ip-bank", "IP Bank", sector="finance")
    s.add_user("ipr1", "ip-rail")
    s.add_user("ipr2", "ip-rail")
    s.add_user("ipb1", "ip-bank")


def ind(value, name=None, kind="ipv4-addr", marking=None, desc=None, sid=None,
        modified="2024-01-01T00:00:00.000Z"):
    paths = {"ipv4-addr": "ipv4-addr:value", "domain-name": "domain-name:value", "url": "url:value",
             "sha-256": "file:hashes.'SHA-256'"}
    o = {"type": "indicator", "spec_version": "2.1", "id": sid or "indicator--%s" % uuid.uuid4(),
         "created": "2024-01-01T00:00:00.000Z", "modified": modified,
         "name": name or value, "pattern": "[%s = '%s']" % (paths[kind], value),
         "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", "confidence": 70}
    if marking:
        o["object_marking_refs"] = [marking]
    if desc:
        o["description"] = desc
    return o


def bundle(objs):
    return json.dumps({"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": objs})


def upload(c, collection, name, data, ctype, fmt="auto", background=False):
    pg = c.page("/indicators/import")
    assert pg.status == 200, pg.status
    f = pg.form(action="/indicators/import", has=("collection",))
    assert collection in f.selects["collection"], f.selects
    fields = dict(f.fields)
    fields.update({"collection": collection, "format": fmt})
    if background:
        fields["background"] = "1"
    return c.post("/indicators/import", data=fields, files={"file": (name, data, ctype)})


def range_text(pg):
    m = re.search(r"(\d+)件(以上)?中 (\d+)〜(\d+)|(\d+)–(\d+) of (\d+)", pg.text)
    assert m, pg.text[:1500]
    if m.group(1):
        return int(m.group(1)), int(m.group(3)), int(m.group(4))
    return int(m.group(7)), int(m.group(5)), int(m.group(6))


def detail_links(pg):
    return [l for l in pg.links if l.startswith("/indicators/indicator--")]


def wait_import(c, path, timeout=60):
    """Follow the status page until the job has finished."""
    end = time.time() + timeout
    while True:
        r = c.get(path)
        assert r.status_code == 200, r.status_code
        state = re.search(r'data-state="(\w+)"', r.text).group(1)
        if state in ("done", "failed"):
            assert "Refresh" not in r.headers
            return state, r
        assert r.headers.get("Refresh") == "2"
        assert '<meta http-equiv="refresh" content="2">' in r.text
        assert time.time() < end, "import still %s" % state
        time.sleep(0.5)


def test_anonymous_goes_to_login(server):
    c = server.client()
    r = c.get("/indicators")
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]


def test_empty_state_and_nav(server):
    c = server.login("ipr1")
    pg = c.page("/indicators")
    assert pg.status == 200
    assert "/indicators" in pg.links and "/indicators/import" in pg.links
    assert "empty" in pg.ids                       # nothing stored yet
    assert not detail_links(pg)


def test_import_csv_list_filters_and_paging(server):
    rail = server.login("ipr1")
    rows = ["type,value,tlp,comment"]
    rows += ["ipv4-addr,198.51.100.%d,green,rail list" % i for i in range(1, 31)]
    rows += ["domain-name,bad%d.example,amber," % i for i in range(1, 11)]
    rows += ["url,http://bad.example/p%d,," % i for i in range(1, 6)]
    r = upload(rail, "consultation", "list.csv", "\n".join(rows) + "\n", "text/csv")
    assert r.status_code == 200, r.text[:800]
    assert "import-result" in r.text and ">45<" in r.text

    bank = server.login("ipb1")
    r = upload(bank, "consultation", "bank.csv", "ipv4-addr,198.51.100.7,green,bank too\n", "text/csv")
    assert r.status_code == 200, r.text[:800]

    # Paging: 46 rows, 20 per page, keyset cursor, every row once.
    pg = rail.page("/indicators?collection=consultation")
    assert range_text(pg) == (46, 1, 20)
    seen, pages, path = [], 0, "/indicators?collection=consultation"
    while path:
        pg = rail.page(path)
        assert pg.status == 200
        seen += detail_links(pg)
        pages += 1
        nxt = re.search(r'<a rel="next" href="([^"]+)"', pg.resp.text)
        path = nxt.group(1).replace("&amp;", "&") if nxt else None
        if pages == 2:
            assert range_text(pg) == (46, 21, 40)
    assert pages == 3 and len(seen) == 46 and len(set(seen)) == 46

    # Filters.
    pg = rail.page("/indicators?kind=domain-name")
    assert range_text(pg)[0] == 10 and "bad3.example" in pg.text and "198.51.100." not in pg.text
    pg = rail.page("/indicators?tlp=amber")
    assert range_text(pg)[0] == 10
    pg = rail.page("/indicators?org=ip-bank")
    assert range_text(pg)[0] == 1 and "198.51.100.7" in pg.text
    # Exact and prefix value search (index-backed in core).
    pg = rail.page("/indicators?value=198.51.100.7")
    assert range_text(pg)[0] == 2                 # rail's and bank's
    pg = rail.page("/indicators?value=198.51.100.1&match=prefix")
    assert range_text(pg)[0] == 11                # .1, .10-.19
    pg = rail.page("/indicators?value=http://bad.example/p&match=prefix&kind=url")
    assert range_text(pg)[0] == 5
    pg = rail.page("/indicators?value=203.0.113.250")
    assert "empty" in pg.ids and not detail_links(pg)
    # Date range: added today, nothing added in the year 2000.
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
    assert range_text(rail.page("/indicators?since=%s" % today))[0] == 46
    pg = rail.page("/indicators?until=2000-01-01")
    assert "empty" in pg.ids
    # Bad filter values are a clean 400.
    for q in ("tlp=purple", "kind=bogus", "since=2020-13-40", "cursor=abc", "match=fuzzy", "limit=0",
              "collection=no-such-collection"):
        r = rail.get("/indicators?" + q)
        assert r.status_code in (400, 404), (q, r.status_code)

    # Export links for the current collection, and what they serve.
    pg = rail.page("/indicators?collection=consultation")
    links = [l for l in pg.links if "/indicators/export" in l or "/indicators/blocklist" in l]
    assert "/indicators/export?format=stix&collection=consultation" in links
    assert "/indicators/export?format=csv&collection=consultation" in links
    assert "/indicators/blocklist/ipv4-addr?collection=consultation" in links
    r = rail.get("/indicators/export?format=stix&collection=consultation")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/stix+json")
    assert len(r.json()["objects"]) == 46
    r = rail.get("/indicators/blocklist/domain-name?collection=consultation")
    assert r.status_code == 200 and sorted(r.text.split()) == sorted("bad%d.example" % i for i in range(1, 11))


def test_detail_correlation_and_404(server):
    rail = server.login("ipr1")
    pg = rail.page("/indicators?value=198.51.100.7&org=ip-rail")
    links = detail_links(pg)
    assert len(links) == 1
    d = rail.page(links[0])
    assert d.status == 200
    assert d.ids["ind-name"] == "198.51.100.7"
    assert '<span class="tlp tlp-green">TLP:GREEN</span>' in d.resp.text
    assert "[ipv4-addr:value = '198.51.100.7']" in d.text
    assert "/orgs/ip-rail" in d.links               # the source organisation
    # Correlation: the same value from two organisations, linked to the list.
    row = re.search(r'<tr class="corr">(.*?)</tr>', d.resp.text, re.S).group(1)
    counts = [int(x) for x in re.findall(r">(\d+)</a>", row)]
    assert counts[:3] == [2, 2, 1], counts
    assert "/indicators?type=any&amp;kind=ipv4-addr&amp;value=198.51.100.7" in row
    # The STIX JSON, pretty-printed.
    assert '"pattern_type": "stix"' in d.ids["stix-json"]
    assert "sightings" in d.ids and "versions" in d.ids

    missing = rail.get("/indicators/indicator--00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert rail.get("/indicators/not-an-id").status_code == 404
    assert rail.get(links[0] + "&version=abc").status_code == 404


def test_hidden_is_404_and_red_stays_home(server):
    rail = server.login("ipr1")
    # A community only rail's first person belongs to.
    r = rail.submit("/communities/new", {"slug": "ip-private", "name_ja": "非公開", "name_en": "Private",
                                         "join_policy": "invite", "post_policy": "members"},
                    action="/communities/new")
    assert r.status_code == 303, r.text[:500]
    priv = ind("192.0.2.201", name="private one")
    r = upload(rail, "ip-private", "p.json", bundle([priv]), "application/json")
    assert r.status_code == 200, r.text[:800]
    red = ind("192.0.2.202", name="red one", marking=RED)
    r = upload(rail, "consultation", "r.json", bundle([red]), "application/json")
    assert r.status_code == 200, r.text[:800]

    bank = server.login("ipb1")
    rail2 = server.login("ipr2")
    missing = bank.get("/indicators/indicator--00000000-0000-4000-8000-000000000000")
    for sid, name in ((priv["id"], "private one"), (red["id"], "red one")):
        assert rail.page("/indicators/" + sid).ids["ind-name"] == name
        hidden = bank.get("/indicators/" + sid)
        assert hidden.status_code == 404 and name not in hidden.text
        assert hidden.text.replace(sid, "X") == missing.text.replace(
            "indicator--00000000-0000-4000-8000-000000000000", "X")
    # TLP:RED: the contributing organisation's people see it, nobody else.
    assert rail2.get("/indicators/" + red["id"]).status_code == 200
    assert "red one" in rail2.page("/indicators?tlp=red").text
    assert "red one" not in bank.page("/indicators?tlp=red").text
    assert "empty" in bank.page("/indicators?value=192.0.2.202").ids
    assert "192.0.2.202" not in bank.get("/indicators/export?format=csv").text
    assert bank.get("/indicators?collection=ip-private").status_code == 404


def test_sightings_and_versions(server):
    rail = server.login("ipr1")
    sid = "indicator--%s" % uuid.uuid4()
    v1 = ind("192.0.2.210", name="v-one", sid=sid)
    v2 = ind("192.0.2.210", name="v-two", sid=sid, modified="2024-02-01T00:00:00.000Z")
    sighting = {"type": "sighting", "spec_version": "2.1", "id": "sighting--%s" % uuid.uuid4(),
                "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z",
                "sighting_of_ref": sid, "count": 17, "first_seen": "2024-03-01T01:00:00Z",
                "last_seen": "2024-03-01T02:00:00Z"}
    r = upload(rail, "consultation", "v.json", bundle([v1, v2, sighting]), "application/json")
    assert r.status_code == 200, r.text[:800]
    bank = server.login("ipb1")
    d = bank.page("/indicators/" + sid)
    assert d.status == 200 and d.ids["ind-name"] == "v-two"
    assert "70 / 100" in d.ids["facts"] and "/orgs/ip-rail" in d.links
    assert "17" in d.ids["sightings"] and "2024-03-01T01:00:00Z" in d.ids["sightings"]
    old = [l for l in d.links if "version=" in l]
    assert len(old) == 1
    d1 = bank.page(old[0])
    assert d1.status == 200 and d1.ids["ind-name"] == "v-one"


def test_import_errors_store_nothing(server):
    rail = server.login("ipr1")
    before = range_text(rail.page("/indicators?type=any"))[0]
    # CSV with two bad rows: both named with their line, nothing stored.
    csv = "type,value\nipv4-addr,192.0.2.220\nipv4-addr,999.1.1.1\nnope,x\n"
    r = upload(rail, "consultation", "bad.csv", csv, "text/csv")
    assert r.status_code == 422
    errs = re.search(r'id="import-errors".*?</div>', r.text, re.S).group(0)
    assert "line 3" in errs and "999.1.1.1" in errs and "line 4" in errs and "unknown type" in errs
    # A bundle with one invalid object among valid ones: the precise reason.
    good = ind("192.0.2.221")
    broken = ind("192.0.2.222")
    broken["pattern"] = "[ipv4-addr:value = '192.0.2.222' AND file:name = 'x']"
    r = upload(rail, "consultation", "bad.json", bundle([good, broken]), "application/json")
    assert r.status_code == 422
    errs = re.search(r'id="import-errors".*?</div>', r.text, re.S).group(0)
    assert "objects[1]" in errs and broken["id"] in errs
    # Not JSON at all, and not UTF-8.
    r = upload(rail, "consultation", "x.json", "{not json", "application/json")
    assert r.status_code == 422 and "import-errors" in r.text
    r = upload(rail, "consultation", "x.csv", b"ipv4-addr,\xff\xfe\n", "text/csv")
    assert r.status_code == 422 and "import-errors" in r.text
    # No file; a collection one may not write to (not a member: 404).
    pg = rail.page("/indicators/import")
    f = dict(pg.form(action="/indicators/import").fields)
    f["collection"] = "consultation"
    assert rail.post("/indicators/import", data=f, files={"x": ("a", b"")}).status_code == 422
    bank = server.login("ipb1")
    r = upload(rail, "consultation", "ok.csv", "ipv4-addr,192.0.2.223\n", "text/csv")
    assert r.status_code == 200
    f = dict(bank.page("/indicators/import").form(action="/indicators/import").fields)
    f.update({"collection": "ip-private", "format": "csv"})
    r = bank.post("/indicators/import", data=f, files={"file": ("a.csv", "ipv4-addr,192.0.2.224\n", "text/csv")})
    assert r.status_code == 404
    # A missing CSRF token is refused before anything happens.
    f = dict(rail.page("/indicators/import").form(action="/indicators/import").fields)
    f.pop("csrf")
    f.update({"collection": "consultation", "format": "csv"})
    r = rail.post("/indicators/import", data=f, files={"file": ("a.csv", "ipv4-addr,192.0.2.225\n", "text/csv")})
    assert r.status_code in (400, 403)

    after = range_text(rail.page("/indicators?type=any"))[0]
    assert after == before + 1                     # only ok.csv's row
    for v in ("192.0.2.220", "192.0.2.221", "192.0.2.224", "192.0.2.225"):
        assert "empty" in rail.page("/indicators?type=any&value=" + v).ids, v


def test_import_as_job_with_progress(server):
    rail = server.login("ipr1")
    objs = [ind("203.0.113.%d" % (i % 250), name="job %d" % i) for i in range(3000)]
    r = upload(rail, "consultation", "big.json", bundle(objs), "application/json", background=True)
    assert r.status_code == 303, r.text[:500]
    path = r.headers["Location"]
    assert re.fullmatch(r"/indicators/import/[0-9a-f-]{36}", path), path
    # Someone else's import is nobody else's business.
    assert server.login("ipr2").get(path).status_code == 404
    state, r = wait_import(rail, path)
    assert state == "done", r.text[-1500:]
    assert re.search(r'id="import-progress">3000 / 3000<', r.text)
    assert ">3000<" in re.search(r'id="import-result".*?</div>', r.text, re.S).group(0)
    assert range_text(rail.page("/indicators?value=203.0.113.&match=prefix"))[0] == 1000  # capped count
    assert "job 2999" in rail.page("/indicators?value=203.0.113.249").text

    # A bad file run as a job: failed, the reason shown, nothing stored.
    objs = [ind("192.0.2.230", name="never stored"), {"type": "indicator", "id": "indicator--bad"}]
    r = upload(rail, "consultation", "bad.json", bundle(objs), "application/json", background=True)
    assert r.status_code == 303
    state, r = wait_import(rail, r.headers["Location"])
    assert state == "failed"
    errs = re.search(r'id="import-errors".*?</div>', r.text, re.S).group(0)
    assert "objects[1]" in errs
    assert "empty" in rail.page("/indicators?value=192.0.2.230").ids


def test_hostile_text_is_inert(server):
    rail = server.login("ipr1")
    o = ind("192.0.2.240", name=XSS_NAME, desc=XSS_DESC)
    r = upload(rail, "consultation", "x.json", bundle([o]), "application/json")
    assert r.status_code == 200, r.text[:800]
    for path in ("/indicators?value=192.0.2.240", "/indicators/" + o["id"]):
        pg = rail.page(path)
        html = pg.resp.text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    d = rail.page("/indicators/" + o["id"])
    assert d.ids["ind-name"] == XSS_NAME             # shown as text
    assert d.ids["ind-description"] == XSS_DESC
    assert "&lt;img src=x onerror=alert(1)&gt;" in d.resp.text
    assert "onerror=alert(1)" in d.ids["stix-json"]  # the JSON, escaped as text
    # A CSV comment becomes the description, inert too.
    r = upload(rail, "consultation", "x.csv", 'ipv4-addr,192.0.2.241,green,"<svg onload=alert(2)>"\n', "text/csv")
    assert r.status_code == 200
    d = rail.page(detail_links(rail.page("/indicators?value=192.0.2.241"))[0])
    assert "<svg onload" not in d.resp.text and d.ids["ind-description"] == "<svg onload=alert(2)>"


def test_hidden_row_as_cursor_is_refused_like_a_missing_one(server):
    # The list's keyset cursor is a stored row id: a row the viewer may not
    # see must be refused exactly like one that does not exist, or the
    # answer tells that it exists and (by where the page starts) when it
    # was added.
    rail = server.login("ipr1")
    reds = [ind("192.0.2.%d" % i, name="cursor red %d" % i, marking=RED) for i in (211, 212)]
    r = upload(rail, "consultation", "cr.json", bundle(reds), "application/json")
    assert r.status_code == 200, r.text[:800]
    pg = rail.page("/indicators?collection=consultation&tlp=red&value=192.0.2.21&match=prefix&limit=1")
    assert pg.status == 200
    nxt = re.search(r'<a rel="next" href="[^"]*cursor=(\d+)', pg.resp.text)
    assert nxt, pg.resp.text[:2000]
    hidden_row = nxt.group(1)
    # The owner may page on from it.
    assert rail.get("/indicators?collection=consultation&cursor=" + hidden_row).status_code == 200

    bank = server.login("ipb1")
    missing = bank.get("/indicators?collection=consultation&cursor=999999999")
    assert missing.status_code == 400
    hidden = bank.get("/indicators?collection=consultation&cursor=" + hidden_row)
    assert hidden.status_code == missing.status_code
    assert hidden.text.replace(hidden_row, "N") == missing.text.replace("999999999", "N")
