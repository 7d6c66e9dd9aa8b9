"""Federation (R11.5): one `kairan serve` pulls a TAXII 2.1 collection of
another `kairan serve` (its own database, another port) into a local
collection through the jobs table.  Checked: every object version
arrives intact, paging (more/next), resuming with added_after (a second
pull fetches only what is new, seen in the source's own request
counters), the source's ACL (TLP:RED only for a key of a recipient
organisation), HTTP Basic with the remote API key, the feed API's rules
(coordinators only, the secret never shown back, bad input 400), the CLI,
and malformed remote answers (not JSON, HTTP 500, wrong media type, an
invalid object, a bad second page): the error is recorded in the feed's
status and nothing of the bad page is stored."""

import base64
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid

import pytest
import requests

from conftest import Server

TAXII = "application/taxii+json;version=2.1"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def indicator(value, modified="2024-01-01T00:00:00.000Z", marking=None, sid=None):
    o = {
        "type": "indicator", "spec_version": "2.1",
        "id": sid or "indicator--%s" % uuid.uuid4(),
        "created": "2024-01-01T00:00:00.000Z", "modified": modified,
        "name": "bad address %s" % value, "pattern": "[ipv4-addr:value = '%s']" % value,
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
    }
    if marking:
        o["object_marking_refs"] = [marking]
    return o


class Taxii:
    def __init__(self, base, key):
        self.base = base
        self.s = requests.Session()
        self.s.auth = ("taxii", key)
        self.s.headers["Accept"] = TAXII

    def collection(self, alias):
        r = self.s.get(self.base + "/taxii2/api/collections/", timeout=30)
        assert r.status_code == 200, r.text
        cs = {c["alias"]: c for c in r.json().get("collections", [])}
        return "/taxii2/api/collections/%s/" % cs[alias]["id"]

    def post(self, coll, objects):
        r = self.s.post(self.base + coll + "objects/", data=json.dumps({"objects": objects}),
                        headers={"Content-Type": TAXII}, timeout=60)
        assert r.status_code == 202, r.text[:500]
        assert r.json()["success_count"] == len(objects), r.text[:500]

    def all_versions(self, coll):
        """{(id, modified): object} of every version visible, paged."""
        out, nxt = {}, None
        for _ in range(100):
            params = {"match[version]": "all", "limit": "1000"}
            if nxt:
                params["next"] = nxt
            r = self.s.get(self.base + coll + "objects/", params=params, timeout=30)
            assert r.status_code == 200, r.text[:300]
            env = r.json()
            for o in env.get("objects", []):
                out[(o["id"], o.get("modified"))] = o
            if not env.get("more"):
                return out
            nxt = env["next"]
        raise AssertionError("paging never ended")


# --- the two servers --------------------------------------------------------------


def setup_server(s):
    """The target: a second coordinator and a plain member."""
    s.add_org("telco", "Telco Co", sector="telecom")
    s.add_user("member1", "telco")
    s.add_user("telcoadmin", "telco", org_admin=True)


@pytest.fixture(scope="module")
def source():
    workdir = tempfile.mkdtemp(prefix="kairan-http-fedsrc-")
    s = Server(workdir, "test_federation_source")
    try:
        s.init()
        s.add_org("rail", "Rail Co", sector="railway")
        s.add_org("bank", "Bank Co", sector="finance")
        s.add_user("rail1", "rail")
        s.add_user("rail2", "rail")
        s.add_user("bank1", "bank")
        s.start()
        yield s
        s.stop()
    finally:
        if s.proc and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        s.drop()
        if not os.environ.get("KAIRAN_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def skeys(source):
    return {u: source.apikey(u) for u in ("rail1", "rail2", "bank1")}


@pytest.fixture(scope="module")
def src_coll(source, skeys):
    return Taxii(source.base, skeys["rail1"]).collection("consultation")


@pytest.fixture(scope="module")
def admin(server):
    return server.api(server.apikey("admin"))


@pytest.fixture(scope="module")
def tgt(server):
    t = Taxii(server.base, server.apikey("admin", label="taxii"))
    return t, t.collection("consultation")


def objects_requests(source):
    """How many objects pages the source has served (its /metrics)."""
    text = requests.get(source.base + "/metrics", timeout=10).text
    n = 0
    for line in text.splitlines():
        if line.startswith("kairan_http_route_requests_total") and \
                "GET /taxii2/api/collections/{}/objects/\"" in line:
            n += int(float(line.rsplit(" ", 1)[1]))
    return n


def wait_run(api, fid, runs_before, timeout=60):
    """Wait until the feed has run more than runs_before times."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = api.get("/api/v1/feeds/%d" % fid)
        assert r.status_code == 200, r.text
        f = r.json()
        if f["runs"] > runs_before:
            return f
        time.sleep(0.3)
    raise AssertionError("feed %d did not run within %d s: %r" % (fid, timeout, f))


# --- tests ------------------------------------------------------------------------


SEEDED = {}


def test_pull_everything_with_versions_and_paging(server, source, skeys, src_coll, admin, tgt):
    rail1 = Taxii(source.base, skeys["rail1"])
    first = [indicator("192.0.2.%d" % i) for i in range(1, 6)]
    rail1.post(src_coll, first)
    # A second version of one object, and an object only rail may see.
    v2 = dict(first[0], modified="2024-02-01T00:00:00.000Z", name="bad address, updated")
    rail1.post(src_coll, [v2])
    red = indicator("198.51.100.66", marking=RED)
    rail1.post(src_coll, [red])
    SEEDED["red"] = red
    # What bank1 may see on the source: everything but the RED object.
    seen_by_bank = Taxii(source.base, skeys["bank1"]).all_versions(src_coll)
    assert len(seen_by_bank) == 6 and (red["id"], red["modified"]) not in seen_by_bank

    before = objects_requests(source)
    r = admin.post("/api/v1/feeds", json={
        "name": "source-bank", "url": source.base + src_coll, "collection": "consultation",
        "secret": skeys["bank1"], "page_size": 2, "interval_s": 3600,
        # Pulled only when asked, so that runs are counted exactly (the
        # schedule itself is tested in tests/unit/test_federation.c).
        "enabled": False})
    assert r.status_code == 201, r.text
    f = r.json()
    SEEDED["feed"] = f["id"]
    assert f["has_secret"] is True and f["tls_verify"] is True and f["auth_user"] == "taxii"
    assert f["enabled"] is False and f["runs"] == 0
    assert skeys["bank1"] not in r.text
    assert r.headers["Location"] == "/api/v1/feeds/%d" % f["id"]
    r = admin.post("/api/v1/feeds/%d/pull" % f["id"])
    assert r.status_code == 202 and r.json() == {"queued": True}
    f = wait_run(admin, f["id"], 0)
    assert f["last_error"] is None and f["runs"] == 1, f
    assert f["last_pulled"] == 6 and f["total_pulled"] == 6, f
    assert f["added_after"] and f["last_ok_at"] == f["last_run_at"]
    # 6 versions by 2 a page: at least 3 pages were asked for.
    assert objects_requests(source) - before >= 3

    t, coll = tgt
    got = t.all_versions(coll)
    assert set(got) == set(seen_by_bank)
    for k, o in seen_by_bank.items():
        assert got[k] == o, k          # as received, every property intact
    assert (red["id"], red["modified"]) not in got


def test_second_pull_fetches_only_new_objects(server, source, skeys, src_coll, admin, tgt):
    fid = SEEDED["feed"]
    prev = admin.get("/api/v1/feeds/%d" % fid).json()
    newer = [indicator("203.0.113.%d" % i) for i in (1, 2)]
    Taxii(source.base, skeys["rail1"]).post(src_coll, newer)
    before = objects_requests(source)
    assert admin.post("/api/v1/feeds/%d/pull" % fid).status_code == 202
    f = wait_run(admin, fid, prev["runs"])
    assert f["last_error"] is None, f
    assert f["last_pulled"] == 2, f                 # only the new ones came
    assert f["total_pulled"] == prev["total_pulled"] + 2
    assert f["added_after"] > prev["added_after"]
    # One page (2 objects, limit 2): the earlier ones were not asked for.
    assert objects_requests(source) - before == 1
    t, coll = tgt
    got = t.all_versions(coll)
    for o in newer:
        assert got[(o["id"], o["modified"])] == o
    # Nothing new on the source: a pull stores nothing and moves nothing.
    assert admin.post("/api/v1/feeds/%d/pull" % fid).status_code == 202
    g = wait_run(admin, fid, f["runs"])
    assert g["last_error"] is None and g["last_pulled"] == 0
    assert g["added_after"] == f["added_after"]


def test_red_only_with_a_recipient_key_and_the_cli(server, source, skeys, src_coll, tgt):
    red = SEEDED["red"]
    t, coll = tgt
    assert (red["id"], red["modified"]) not in t.all_versions(coll)
    p = server.cli("feed add", "--name", "source-rail", "--url", source.base + src_coll,
                   "--collection", "consultation", "--as", "admin", "--secret-stdin", "--disabled",
                   input=skeys["rail2"] + "\n")
    fid = int(p.stdout.strip())
    # Disabled: the server's worker leaves it alone; the CLI pulls it.
    time.sleep(3)
    assert (red["id"], red["modified"]) not in t.all_versions(coll)
    p = server.cli("feed pull", str(fid))
    assert int(p.stdout.strip()) == 9         # all 8 bank1 saw plus the RED one
    assert t.all_versions(coll)[(red["id"], red["modified"])] == red
    lst = server.cli("feed list").stdout
    assert "source-rail" in lst and "source-bank" in lst
    assert skeys["rail2"] not in lst and skeys["bank1"] not in lst
    server.cli("feed remove", str(fid))
    assert "source-rail" not in server.cli("feed list").stdout
    assert server.cli("feed pull", str(fid), check=False).returncode == 1
    help_ = server.cli("feed", "--help")
    assert "added_after" in help_.stdout and "--secret-stdin" in help_.stdout


def test_feed_api_rules(server, source, src_coll, admin):
    member = server.api(server.apikey("member1"))
    assert member.get("/api/v1/feeds").status_code == 403
    assert member.post("/api/v1/feeds", json={"name": "x"}).status_code == 403
    assert member.post("/api/v1/feeds/%d/pull" % SEEDED["feed"]).status_code == 403
    good = {"name": "rules", "url": source.base + src_coll, "collection": "consultation"}
    for field, value, err in (
            ("url", "ftp://example.test/c/", "url"),
            ("url", "http://user:pw@example.test/c/", "url"),
            ("url", "http://example.test/c/?x=1", "url"),
            ("url", 7, "url"),
            ("name", "", "name"),
            ("collection", "no-such-community", "collection"),
            ("interval_s", 5, "interval"),
            ("page_size", 5000, "page_size"),
            ("owner", "nobody-here", "owner"),
            ("auth_user", "a:b", "auth_user"),
            ("tls_verify", "yes", "tls_verify"),
            ("enabled", 1, "enabled")):
        r = admin.post("/api/v1/feeds", json=dict(good, **{field: value}))
        assert r.status_code == 400, (field, value, r.text)
        assert r.json()["error"]["field"] == err, (field, r.text)
    # The owner must be able to post in the collection.
    r = admin.post("/api/v1/feeds", json=dict(good, owner="member1", collection="general"))
    assert r.status_code == 400 and r.json()["error"]["field"] == "collection", r.text
    r = admin.post("/api/v1/feeds", json=dict(good, secret="s3cret-value", url=good["url"][:-1]))
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["url"] == good["url"]           # the missing '/' was added
    assert "s3cret-value" not in admin.get("/api/v1/feeds").text
    assert "s3cret-value" not in admin.get("/api/v1/feeds/%d" % f["id"]).text
    assert admin.post("/api/v1/feeds", json=good).status_code == 409    # name taken
    assert admin.delete("/api/v1/feeds/%d" % f["id"]).status_code == 204
    assert admin.get("/api/v1/feeds/%d" % f["id"]).status_code == 404
    assert admin.delete("/api/v1/feeds/%d" % f["id"]).status_code == 404
    assert admin.post("/api/v1/feeds/999999/pull").status_code == 404
    assert admin.get("/api/v1/feeds/abc").status_code == 404


# --- a hostile remote -------------------------------------------------------------


class Fake(http.server.BaseHTTPRequestHandler):
    """Answers by the first path segment: a mode."""
    seen = []

    def log_message(self, *a):
        pass

    def send(self, status, ctype, body, headers=()):
        b = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        Fake.seen.append((self.path, self.headers.get("Authorization"), self.headers.get("Accept")))
        mode = self.path.split("/")[1]
        good = {"objects": [Fake.obj]}
        if mode == "nonjson":
            return self.send(200, TAXII, "<html>not json</html>")
        if mode == "err500":
            return self.send(500, TAXII, json.dumps({"title": "boom"}))
        if mode == "wrongtype":
            return self.send(200, "application/json", json.dumps(good))
        if mode == "invalid":
            bad = dict(indicator("192.0.2.200"), pattern="[ipv4-addr:value = ")
            return self.send(200, TAXII, json.dumps({"objects": [Fake.obj2, bad]}))
        if mode == "notenvelope":
            return self.send(200, TAXII, json.dumps([1, 2, 3]))
        if mode == "longnext":
            return self.send(200, TAXII, json.dumps({"more": True, "next": "n" * 5000, "objects": [Fake.obj3]}))
        if mode == "moreno":
            return self.send(200, TAXII, json.dumps({"more": True, "objects": [Fake.obj3]}))
        if mode == "huge":
            # Says 40 MB are coming: refused before any byte is stored.
            self.send_response(200)
            self.send_header("Content-Type", TAXII)
            self.send_header("Content-Length", str(40 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"{\"objects\": [")
            return
        if mode == "hugechunked":
            # No length announced: the body itself runs over the cap.
            self.send_response(200)
            self.send_header("Content-Type", TAXII)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * (1024 * 1024)
            try:
                for _ in range(40):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if mode == "stall":
            # Headers, then nothing: a remote that hangs mid-page.
            self.send_response(200)
            self.send_header("Content-Type", TAXII)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"{")
            self.wfile.flush()
            Fake.stalled.set()
            Fake.release.wait(60)
            return
        if mode == "hang":
            # Like stall, with events of its own (test_stop's are set for good).
            self.send_response(200)
            self.send_header("Content-Type", TAXII)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"{")
            self.wfile.flush()
            Fake.hung.set()
            Fake.unhang.wait(60)
            return
        if mode == "good":
            return self.send(200, TAXII, json.dumps(good),
                             headers=[("X-TAXII-Date-Added-Last", "2025-03-01T00:00:00.000Z")])
        if mode == "page2bad":
            if "next=" in self.path:
                return self.send(200, TAXII, "{\"objects\": [")
            return self.send(200, TAXII, json.dumps({"more": True, "next": "p2", "objects": [Fake.obj4]}),
                             headers=[("X-TAXII-Date-Added-First", "2025-01-01T00:00:00.000000Z"),
                                      ("X-TAXII-Date-Added-Last", "2025-01-01T00:00:00.000000Z")])
        return self.send(404, TAXII, "{}")


@pytest.fixture(scope="module")
def fake():
    Fake.stalled = threading.Event()
    Fake.release = threading.Event()
    Fake.hung = threading.Event()
    Fake.unhang = threading.Event()
    Fake.obj = indicator("192.0.2.101")
    Fake.obj2 = indicator("192.0.2.102")
    Fake.obj3 = indicator("192.0.2.103")
    Fake.obj4 = indicator("192.0.2.104")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    Fake.release.set()
    Fake.unhang.set()
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("mode,why", [
    ("nonjson", "not JSON"),
    ("err500", "HTTP 500"),
    ("wrongtype", "wrong media type"),
    ("invalid", "page rejected"),
    ("notenvelope", "not a TAXII envelope"),
    ("moreno", "more but gives no next"),
    ("longnext", "next is too long"),
    ("huge", "size cap"),
    ("hugechunked", "size cap"),
])
def test_malformed_remote_is_recorded_and_nothing_stored(server, admin, tgt, fake, mode, why):
    t, coll = tgt
    before = t.all_versions(coll)
    r = admin.post("/api/v1/feeds", json={
        "name": "fake-" + mode, "url": "%s/%s/collections/c1/" % (fake, mode),
        "collection": "consultation", "secret": "remote-key-" + mode, "enabled": False})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    p = server.cli("feed pull", str(fid), check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert why in p.stderr, p.stderr
    assert "remote-key-" not in p.stderr
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["last_error"] and why in f["last_error"], f
    assert f["last_ok_at"] is None and f["last_pulled"] == 0 and f["added_after"] is None
    after = t.all_versions(coll)
    assert set(after) - set(before) == set(), mode
    # The request carried the Basic credentials and TAXII's Accept.
    path, auth, accept = [x for x in Fake.seen if x[0].startswith("/%s/" % mode)][-1]
    assert path.startswith("/%s/collections/c1/objects/?match%%5Bversion%%5D=all&limit=500" % mode)
    assert auth == "Basic " + base64.b64encode(("taxii:remote-key-" + mode).encode()).decode()
    assert accept == TAXII
    assert admin.delete("/api/v1/feeds/%d" % fid).status_code == 204


def test_bad_second_page_keeps_the_first_and_resumes_before_it(server, admin, tgt, fake):
    t, coll = tgt
    r = admin.post("/api/v1/feeds", json={
        "name": "fake-page2bad", "url": fake + "/page2bad/collections/c1/", "collection": "consultation",
        "enabled": False})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    p = server.cli("feed pull", str(fid), check=False)
    assert p.returncode == 1 and "not JSON" in p.stderr, p.stderr
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["last_pulled"] == 1 and "not JSON" in f["last_error"]
    # The first page is stored whole; the resume point sits just before
    # its last date_added, so a retry cannot skip objects sharing it.
    assert f["added_after"] == "2024-12-31T23:59:59.999999Z"
    got = t.all_versions(coll)
    assert got[(Fake.obj4["id"], Fake.obj4["modified"])] == Fake.obj4
    # No credentials were configured: none were sent.
    assert [x for x in Fake.seen if x[0].startswith("/page2bad/")][-1][1] is None
    assert "next=p2" in [x for x in Fake.seen if x[0].startswith("/page2bad/")][-1][0]
    assert admin.delete("/api/v1/feeds/%d" % fid).status_code == 204


def test_coordinator_page(server, source, src_coll, admin):
    from conftest import ADMIN_PASSWORD
    # A plain member is refused the page.
    m = server.login("member1")
    assert m.get("/admin/feeds").status_code == 403
    # The admin's own language is Japanese (the default locale).
    c, _clock, _codes = server.login_enrol("admin", ADMIN_PASSWORD)
    SEEDED["admin_client"] = c          # enrolled once per module: later tests reuse it
    pg = c.page("/admin")
    assert "/admin/feeds" in pg.links
    pg = c.page("/admin/feeds")
    assert pg.status == 200
    assert pg.lang == "ja"
    row = pg.ids.get("feed-%d" % SEEDED["feed"], "")
    assert "source-bank" in row and "正常" in row, row          # the first tests' feed
    form = pg.form(action="/admin/feeds", has=("name", "url", "collection", "secret"))
    assert "consultation" in form.selects["collection"]
    # A bad URL: the form comes back with the field named, nothing added.
    r = c.submit(pg, {"name": "web-feed", "url": "ftp://x/", "collection": "consultation"},
                 action="/admin/feeds", has=("name", "url"))
    assert r.status_code == 422, r.status_code
    assert "コレクションの URL" in r.text
    # Numbers that are not numbers, or out of range: 422, nothing added.
    before = len(admin.get("/api/v1/feeds").json()["items"])
    for bad in ({"interval": "abc"}, {"interval": "-5"}, {"page_size": "1e9"}, {"page_size": "0"}):
        fields = {"name": "web-feed", "url": source.base + src_coll, "collection": "consultation",
                  "interval": "120", "page_size": "50"}
        fields.update(bad)
        r = c.submit("/admin/feeds", fields, action="/admin/feeds", has=("name", "url"))
        assert r.status_code == 422, (bad, r.status_code)
    assert len(admin.get("/api/v1/feeds").json()["items"]) == before
    r = c.submit("/admin/feeds", {"name": "web-feed", "url": source.base + src_coll,
                                  "collection": "consultation", "secret": "web-secret-value",
                                  "interval": "120", "page_size": "50"},
                 action="/admin/feeds", has=("name", "url"))
    assert r.status_code == 303, r.text[:2000]
    pg = c.page(r.headers["Location"])
    assert "web-feed" in pg.text and "web-secret-value" not in pg.resp.text
    f = [x for x in admin.get("/api/v1/feeds").json()["items"] if x["name"] == "web-feed"][0]
    assert f["interval_s"] == 120 and f["page_size"] == 50 and f["has_secret"]
    runs = f["runs"]
    # Pull now, then the outcome shows on the page: the source does not
    # know that key.
    r = c.submit(pg, {}, action="/admin/feeds/%d/pull" % f["id"])
    assert r.status_code == 303
    wait_run(admin, f["id"], runs)
    pg = c.page("/admin/feeds")
    row = pg.ids.get("feed-%d" % f["id"], "")
    assert "失敗" in row and "HTTP 401" in row and "設定済み" in row, row
    # Without the CSRF token nothing happens.
    r = c.submit(pg, {}, action="/admin/feeds/%d/remove" % f["id"], drop=("csrf",))
    assert r.status_code in (400, 403)
    r = c.submit(pg, {}, action="/admin/feeds/%d/remove" % f["id"])
    assert r.status_code == 303
    assert admin.get("/api/v1/feeds/%d" % f["id"]).status_code == 404


@pytest.fixture(scope="module")
def tls_fake(fake):
    """The same fake remote over HTTPS with a self-signed certificate."""
    import ssl
    import subprocess
    d = tempfile.mkdtemp(prefix="kairan-fed-tls-")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", d + "/key.pem", "-out", d + "/cert.pem"],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield "https://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()
    srv.server_close()
    shutil.rmtree(d, ignore_errors=True)


def test_tls_is_verified_unless_turned_off(server, admin, tgt, tls_fake):
    t, coll = tgt
    r = admin.post("/api/v1/feeds", json={
        "name": "tls-strict", "url": tls_fake + "/good/collections/c1/", "collection": "consultation",
        "enabled": True})
    assert r.status_code == 201 and r.json()["tls_verify"] is True, r.text
    strict = r.json()["id"]
    assert r.json()["enabled"] is True
    p = server.cli("feed pull", str(strict), check=False)
    assert p.returncode == 1 and re.search(r"SSL|certificate", p.stderr), p.stderr
    assert (Fake.obj["id"], Fake.obj["modified"]) not in t.all_versions(coll)
    r = admin.post("/api/v1/feeds", json={
        "name": "tls-off", "url": tls_fake + "/good/collections/c1/", "collection": "consultation",
        "tls_verify": False, "enabled": False})
    assert r.status_code == 201 and r.json()["tls_verify"] is False, r.text
    loose = r.json()["id"]
    p = server.cli("feed pull", str(loose), check=False)
    assert p.returncode == 0, p.stderr
    f = admin.get("/api/v1/feeds/%d" % loose).json()
    assert f["last_error"] is None and f["added_after"] == "2025-03-01T00:00:00.000Z", f
    assert t.all_versions(coll)[(Fake.obj["id"], Fake.obj["modified"])] == Fake.obj
    for fid in (strict, loose):
        assert admin.delete("/api/v1/feeds/%d" % fid).status_code == 204


def test_stop_does_not_wait_for_a_hanging_remote(fake):
    """SIGTERM while a pull hangs: the server still exits 0 at once and
    the run is recorded as interrupted (retried at the next start)."""
    workdir = tempfile.mkdtemp(prefix="kairan-http-fedstop-")
    s = Server(workdir, "test_federation_stop")
    try:
        s.init()
        s.cli("feed add", "--name", "hangs", "--url", fake + "/stall/collections/c1/",
              "--collection", "consultation", "--as", "admin")
        s.start()
        assert Fake.stalled.wait(30), "the worker never asked the remote"
        t0 = time.time()
        s.stop()                       # asserts exit 0 within 30 s
        assert time.time() - t0 < 25  # a waiting stop would take the 30 s stall timeout or more
        lst = s.cli("feed list").stdout
        assert "interrupted: the server is stopping" in lst, lst
    finally:
        Fake.release.set()
        if s.proc and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        s.drop()
        if not os.environ.get("KAIRAN_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


# --- editing a feed (issue 5) -------------------------------------------------------


def test_feed_edit_api(server, source, skeys, src_coll, admin, fake):
    r = admin.post("/api/v1/feeds", json={
        "name": "edit-me", "url": fake + "/good/collections/c1/", "collection": "consultation",
        "secret": "edit-secret-1", "enabled": False})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    r = admin.post("/api/v1/feeds", json={
        "name": "edit-other", "url": fake + "/good/collections/c9/", "collection": "consultation",
        "enabled": False})
    assert r.status_code == 201, r.text
    other_id = r.json()["id"]
    server.cli("feed pull", str(fid))
    f0 = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f0["added_after"] == "2025-03-01T00:00:00.000Z" and f0["has_secret"], f0

    # Rights as for adding and removing: coordinators and admins only.
    for login in ("member1", "telcoadmin"):
        other = server.api(server.apikey(login, label="edit-" + login))
        r = other.request("PATCH", "/api/v1/feeds/%d" % fid, json={"interval_s": 120})
        assert r.status_code == 403, (login, r.text)
    assert admin.request("PATCH", "/api/v1/feeds/999999", json={"interval_s": 120}).status_code == 404
    assert admin.request("PATCH", "/api/v1/feeds/abc", json={"interval_s": 120}).status_code == 404

    # Bad input: 400 naming the field, nothing changed (a valid member in
    # the same body is not applied either).
    for body, field in (({"url": "ftp://example.test/c/"}, "url"),
                        ({"url": "http://u:p@example.test/c/"}, "url"),
                        ({"url": 7}, "url"),
                        ({"interval_s": 5}, "interval"),
                        ({"interval_s": "3600"}, "interval"),
                        ({"page_size": 0}, "page_size"),
                        ({"collection": "no-such-community"}, "collection"),
                        ({"owner": "nobody-here"}, "owner"),
                        ({"enabled": "no"}, "enabled"),
                        ({"tls_verify": 0}, "tls_verify"),
                        ({"secret": 5}, "secret"),
                        ({"auth_user": "a:b"}, "auth_user"),
                        ({"added_after": None}, "added_after"),
                        ({"name": ""}, "name")):
        r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json=dict(body, page_size=7)
                          if "page_size" not in body else body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.text)
        assert admin.get("/api/v1/feeds/%d" % fid).json() == f0, body
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, data="not json",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"name": "edit-other"})
    assert r.status_code == 409, r.text
    assert admin.delete("/api/v1/feeds/%d" % other_id).status_code == 204

    # Settings that keep the source keep the resume point and the key.
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid,
                      json={"interval_s": 120, "page_size": 50, "secret": "", "auth_user": "reader"})
    assert r.status_code == 200, r.text
    f = r.json()
    assert f["interval_s"] == 120 and f["page_size"] == 50 and f["auth_user"] == "reader"
    assert f["has_secret"] is True and f["added_after"] == f0["added_after"]
    assert "edit-secret" not in r.text
    # The key went on being sent as it was.
    server.cli("feed pull", str(fid))
    auth = [x for x in Fake.seen if x[0].startswith("/good/")][-1][1]
    assert auth == "Basic " + base64.b64encode(b"reader:edit-secret-1").decode()
    # A new key replaces it (never shown); null removes it.
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"secret": "edit-secret-2"})
    assert r.status_code == 200 and r.json()["has_secret"] and "edit-secret-2" not in r.text
    server.cli("feed pull", str(fid))
    auth = [x for x in Fake.seen if x[0].startswith("/good/")][-1][1]
    assert auth == "Basic " + base64.b64encode(b"reader:edit-secret-2").decode()
    assert "edit-secret-2" not in admin.get("/api/v1/feeds").text
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"secret": None})
    assert r.status_code == 200 and r.json()["has_secret"] is False

    # A new URL: from the beginning, and the next pull asks without added_after.
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"url": fake + "/good/collections/c2"})
    assert r.status_code == 200, r.text
    f = r.json()
    assert f["url"] == fake + "/good/collections/c2/" and f["added_after"] is None
    server.cli("feed pull", str(fid))
    path = [x for x in Fake.seen if x[0].startswith("/good/collections/c2/")][-1][0]
    assert "added_after" not in path, path
    assert admin.get("/api/v1/feeds/%d" % fid).json()["added_after"] == "2025-03-01T00:00:00.000Z"
    # A new local collection, the same.
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"collection": "general"})
    assert r.status_code == 200 and r.json()["collection"] == "general"
    assert r.json()["added_after"] is None
    # Pause and resume.
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert admin.delete("/api/v1/feeds/%d" % fid).status_code == 204
    assert admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"enabled": True}).status_code == 404


def test_pause_and_resume_with_the_worker(server, admin, fake):
    """A paused feed is left alone by the server's worker; resumed, the
    worker pulls it at once (never pulled before); paused again, no further
    request reaches the remote.  (That pausing cancels an already queued
    pull is checked exactly in tests/unit/test_federation.c.)"""
    r = admin.post("/api/v1/feeds", json={
        "name": "sched", "url": fake + "/good/collections/s1/", "collection": "consultation",
        "enabled": False, "interval_s": 60})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    seen = lambda: len([x for x in Fake.seen if x[0].startswith("/good/collections/s1/")])
    time.sleep(3)
    assert seen() == 0 and admin.get("/api/v1/feeds/%d" % fid).json()["runs"] == 0
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True
    f = wait_run(admin, fid, 0, timeout=30)
    assert f["last_error"] is None and seen() == 1, f
    r = admin.request("PATCH", "/api/v1/feeds/%d" % fid, json={"enabled": False, "interval_s": 60})
    assert r.status_code == 200
    time.sleep(4)
    assert seen() == 1
    assert admin.get("/api/v1/feeds/%d" % fid).json()["runs"] == f["runs"]
    assert admin.delete("/api/v1/feeds/%d" % fid).status_code == 204


def test_feed_edit_page(server, source, src_coll, admin, fake):
    from conftest import ADMIN_PASSWORD
    r = admin.post("/api/v1/feeds", json={
        "name": "web-edit", "url": fake + "/good/collections/w1/", "collection": "consultation",
        "secret": "web-edit-secret", "enabled": True, "interval_s": 3600})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    m = server.login("member1")
    assert m.get("/admin/feeds/%d/edit" % fid).status_code == 403
    c = SEEDED.get("admin_client")
    if c is None:
        c, _clock, _codes = server.login_enrol("admin", ADMIN_PASSWORD)
        SEEDED["admin_client"] = c
    pg = c.page("/admin/feeds")
    assert "/admin/feeds/%d/edit" % fid in pg.links
    edit = "/admin/feeds/%d/edit" % fid
    pg = c.page(edit)
    assert pg.status == 200 and pg.lang == "ja"
    assert "web-edit-secret" not in pg.resp.text
    form = pg.form(action=edit, has=("name", "url", "collection", "secret", "interval"))
    assert form.fields["secret"] == "" and form.fields["interval"] == "3600"
    assert form.fields.get("enabled") == "1"
    before = admin.get("/api/v1/feeds/%d" % fid).json()
    # Bad input: the form again with the field named, nothing changed.
    for bad, label in (({"url": "ftp://x/"}, "コレクションの URL"),
                       ({"interval": "5"}, "取り込み間隔"),
                       ({"interval": "abc"}, "取り込み間隔"),
                       ({"interval": ""}, "取り込み間隔"),
                       ({"page_size": "0"}, "1ページの件数")):
        r = c.submit(edit, dict(bad, auth_user="changed"), action=edit, has=("name", "url"))
        assert r.status_code == 422, (bad, r.status_code)
        assert label in r.text, bad
        assert admin.get("/api/v1/feeds/%d" % fid).json() == before, bad
    r = admin.post("/api/v1/feeds", json={
        "name": "web-edit-other", "url": fake + "/good/collections/w9/", "collection": "consultation",
        "enabled": False})
    assert r.status_code == 201, r.text
    r = c.submit(edit, {"name": "web-edit-other"}, action=edit, has=("name",))
    assert r.status_code == 409
    assert admin.get("/api/v1/feeds/%d" % fid).json() == before
    # Without the CSRF token nothing happens.
    r = c.submit(edit, {"interval": "120"}, action=edit, has=("name",), drop=("csrf",))
    assert r.status_code in (400, 403)
    assert admin.get("/api/v1/feeds/%d" % fid).json() == before
    # Blank key, untick "enabled": saved, paused, key kept, not shown.
    r = c.submit(edit, {"interval": "120", "page_size": "20"}, action=edit, has=("name",),
                 drop=("enabled",))
    assert r.status_code == 303, r.text[:2000]
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["interval_s"] == 120 and f["page_size"] == 20 and f["enabled"] is False
    assert f["has_secret"] is True and f["url"] == before["url"]
    assert f["added_after"] == before["added_after"]
    pg = c.page(r.headers["Location"])
    assert "web-edit-secret" not in pg.resp.text
    # A new URL from the page resets the resume point; remove the key.
    r = c.submit(edit, {"url": fake + "/good/collections/w2/", "clear_secret": "1"}, action=edit,
                 has=("name",))
    assert r.status_code == 303
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["url"].endswith("/w2/") and f["added_after"] is None and f["has_secret"] is False
    assert f["enabled"] is False       # the unticked box stayed unticked
    assert c.page("/admin/feeds/999999/edit").status == 404
    assert admin.delete("/api/v1/feeds/%d" % fid).status_code == 204


def test_feed_edit_cli(server, admin, fake):
    p = server.cli("feed add", "--name", "cli-edit", "--url", fake + "/good/collections/k1/",
                   "--collection", "consultation", "--as", "admin", "--disabled")
    fid = int(p.stdout.strip())
    h = server.cli("feed edit", "--help").stdout
    assert "--clear-secret" in h and "--pause" in h and "added_after" in h
    p = server.cli("feed edit", str(fid), "--interval", "300", "--resume", "--secret-stdin",
                   input="cli-edit-secret\n")
    assert p.stdout.strip() == str(fid) and "cli-edit-secret" not in p.stdout + p.stderr
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["interval_s"] == 300 and f["enabled"] is True and f["has_secret"] is True
    p = server.cli("feed edit", str(fid), "--pause")
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["enabled"] is False and f["has_secret"] is True and f["interval_s"] == 300
    assert "disabled" in [l for l in server.cli("feed list").stdout.splitlines() if "cli-edit" in l][0]
    # Bad input: refused, nothing changed.
    p = server.cli("feed edit", str(fid), "--url", "ftp://x/", "--interval", "600", check=False)
    assert p.returncode != 0 and "url" in p.stderr, p.stderr
    p = server.cli("feed edit", str(fid), "--interval", "5", check=False)
    assert p.returncode == 2, p.stderr
    p = server.cli("feed edit", str(fid), "--pause", "--resume", check=False)
    assert p.returncode == 2
    p = server.cli("feed edit", "999999", "--pause", check=False)
    assert p.returncode != 0 and p.returncode != 2, p.stderr
    p = server.cli("feed edit", check=False)
    assert p.returncode == 2
    assert admin.get("/api/v1/feeds/%d" % fid).json() == f
    p = server.cli("feed edit", str(fid), "--clear-secret", "--url", fake + "/good/collections/k2")
    f = admin.get("/api/v1/feeds/%d" % fid).json()
    assert f["has_secret"] is False and f["url"].endswith("/k2/") and f["added_after"] is None
    server.cli("feed remove", str(fid))


# --- the feed worker does not hold up mail --------------------------------------------


def test_mail_goes_out_while_a_remote_hangs(fake):
    """A feed pull hangs (the remote sends headers and stops): mail queued
    meanwhile still goes out within seconds, long before the 30 s stall
    timeout, because pulls have a worker of their own; and the server
    still stops at once."""
    from conftest import free_port
    from smtp_sink import SmtpSink
    workdir = tempfile.mkdtemp(prefix="kairan-http-fedmail-")
    old = {k: os.environ.get(k) for k in ("KAIRAN_SMTP_URL", "KAIRAN_MAIL_FROM")}
    with SmtpSink(free_port()) as sink:
        os.environ["KAIRAN_SMTP_URL"] = sink.url
        os.environ["KAIRAN_MAIL_FROM"] = "kairan@cc.example"
        s = Server(workdir, "test_federation_mail")
        try:
            s.init()
            s.add_org("m-rail", "Mail Rail", kind="critical_service", sector="railway")
            s.add_user("m-coord", "cc", role="coordinator")
            s.add_user("m-rail1", "m-rail")
            s.cli("feed add", "--name", "hangs", "--url", fake + "/hang/collections/c1/",
                  "--collection", "consultation", "--as", "admin")
            s.start()
            assert Fake.hung.wait(30), "the worker never asked the remote"
            api = s.api(s.apikey("m-coord"))
            t0 = time.time()
            r = api.post("/api/v1/topics", json={
                "community": "professional", "title": "mail while a feed hangs", "tag": "important",
                "category": "alert", "tlp": "green", "body": "body", "scope": "manual",
                "scope_orgs": ["m-rail"], "must_read": True})
            assert r.status_code == 201, r.text
            msgs = sink.wait_for(lambda m: any("m-rail1@example.test" in x for mm in m for x in mm["to"]),
                                 timeout=20)
            took = time.time() - t0
            assert any("m-rail1@example.test" in x for mm in msgs for x in mm["to"]), msgs
            assert took < 15, took
            # The remote is still hanging: the pull has not ended.
            assert not Fake.unhang.is_set()
            assert "hangs" in s.cli("feed list").stdout
            assert "never" in [l for l in s.cli("feed list").stdout.splitlines() if "hangs" in l][0]
            t1 = time.time()
            s.stop()
            assert time.time() - t1 < 25
        finally:
            Fake.unhang.set()
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            if s.proc and s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
            s.drop()
            if not os.environ.get("KAIRAN_KEEP"):
                shutil.rmtree(workdir, ignore_errors=True)
