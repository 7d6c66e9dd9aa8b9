"""Moving a site between engines (issue 6): `kairan export-db` of a SQLite
site with topics, comments and attachments, `kairan import-db` into an
empty PostgreSQL database, and an export of the result that must be
identical table by table.  A truncated or foreign file, or a target that is
not empty, is refused and changes nothing."""

import os
import shutil
import subprocess
import tempfile
import urllib.parse
import secrets

import pytest

from conftest import ENGINE, KAIRAN_BIN, PG_URL, Server

pytestmark = pytest.mark.skipif(ENGINE != "sqlite", reason="the source site is SQLite; one run is enough")


def run(*args, input=None, check=True):
    p = subprocess.run([KAIRAN_BIN] + list(args), input=input, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


def psql(sql):
    u = urllib.parse.urlsplit(PG_URL)
    url = urllib.parse.urlunsplit((u.scheme, u.netloc, "/postgres", u.query, u.fragment))
    subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-X", "-d", url, "-c", sql], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + sql.split()[-1], u.query, u.fragment))


@pytest.fixture(scope="module")
def site(server):
    """The module's SQLite site with real content made through the API."""
    server.add_org("x-rail", "Export Rail", kind="critical_service", sector="railway")
    server.add_user("x-coord", "cc", role="coordinator")
    server.add_user("x-rail1", "x-rail")
    key = server.apikey("x-coord")
    api = server.api(key)
    r = api.post("/api/v1/topics", json={
        "community": "professional", "title": "移行テスト 障害", "tag": "important", "category": "alert",
        "tlp": "amber", "body": "本文 **Markdown**", "scope": "manual", "scope_orgs": ["x-rail"],
        "must_read": True})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    blob = bytes(range(256)) * 40
    r = api.post("/api/v1/topics/%s/attachments" % tid, files={"file": ("bytes.bin", blob, "application/octet-stream")})
    assert r.status_code == 201, r.text
    r = server.api(server.apikey("x-rail1")).post("/api/v1/topics/%s/comments" % tid, json={"body": "確認しました"})
    assert r.status_code == 201, r.text
    return server, tid, blob


def test_sqlite_to_postgres_loses_nothing(site):
    server, tid, blob = site
    if not PG_URL:
        pytest.skip("no PostgreSQL (KAIRAN_TEST_PG_URL)")
    work = tempfile.mkdtemp(prefix="kairan-export-")
    name = "kx_" + secrets.token_hex(4)
    try:
        a = os.path.join(work, "a.jsonl")
        b = os.path.join(work, "b.jsonl")
        run("export-db", "--db", server.db, a)
        target = psql("CREATE DATABASE " + name)
        p = run("import-db", "--db", target, a)
        assert b"reindexed 1 topics" in p.stderr
        run("export-db", "--db", target, b)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            la, lb = fa.read().splitlines(), fb.read().splitlines()
        assert len(la) == len(lb) and len(la) > 20
        # Table by table, row by row (the dump is ordered by each table's key).
        for x, y in zip(la, lb):
            assert x == y
        # The moved site works: start it on PostgreSQL and read the topic,
        # its attachment bytes and a search hit as the member.
        s2 = Server.__new__(Server)
        s2.workdir, s2.name, s2.proc, s2.port = work, "export-pg", None, None
        s2.log_path = os.path.join(work, "server.stderr")
        s2.pg_dbname, s2.db = None, target
        s2.start()
        try:
            api = s2.api(s2.apikey("x-rail1"))
            r = api.get("/api/v1/topics/" + tid)
            assert r.status_code == 200 and r.json()["title"] == "移行テスト 障害"
            att = r.json()["attachments"][0]["id"]
            assert api.get("/api/v1/attachments/" + att).content == blob
            r = api.get("/api/v1/topics", params={"q": "障害"})
            assert r.status_code == 200 and r.json()["total"] == 1
            # New rows get fresh ids after the explicit ones were loaded.
            r = api.post("/api/v1/topics/%s/comments" % tid, json={"body": "after the move"})
            assert r.status_code == 201, r.text
        finally:
            s2.stop()
    finally:
        try:
            psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(work, ignore_errors=True)


def test_bad_dumps_change_nothing(site):
    server, _tid, _blob = site
    work = tempfile.mkdtemp(prefix="kairan-export-bad-")
    try:
        a = os.path.join(work, "a.jsonl")
        run("export-db", "--db", server.db, a)
        data = open(a, "rb").read()
        target = os.path.join(work, "t.db")
        cases = {
            "truncated": data[: len(data) // 2],
            "no end marker": b"\n".join(data.splitlines()[:-1]) + b"\n",
            "foreign": b'{"hello": 1}\n',
            "unknown table": data.splitlines()[0] + b'\n{"table":"evil; DROP TABLE orgs","columns":["id"]}\n',
            "unknown column": data.splitlines()[0] + b'\n{"table":"orgs","columns":["id","nope"]}\n',
            "junk": b"\x00\xff not json\n",
        }
        for what, blob in cases.items():
            p = os.path.join(work, "bad.jsonl")
            open(p, "wb").write(blob)
            r = run("import-db", "--db", target, p, check=False)
            assert r.returncode != 0, what
            # Nothing was loaded: a correct import still works afterwards.
        r = run("import-db", "--db", target, a)
        # A second import into the now non-empty database is refused.
        r = run("import-db", "--db", target, a, check=False)
        assert r.returncode != 0 and b"not empty" in r.stderr
        assert b"bytes.bin" not in r.stdout
        # The export of the target equals the source.
        b = os.path.join(work, "b.jsonl")
        run("export-db", "--db", target, b)
        assert open(b, "rb").read() == data
        # export-db never overwrites a file.
        assert run("export-db", "--db", server.db, a, check=False).returncode != 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_backup_and_restore_across_engines(site):
    """kairan backup/restore on both engines: a SQLite backup restores into
    PostgreSQL, a PostgreSQL backup (a dump) restores into SQLite, and the
    content is the same table by table."""
    server, _tid, _blob = site
    if not PG_URL:
        pytest.skip("no PostgreSQL (KAIRAN_TEST_PG_URL)")
    work = tempfile.mkdtemp(prefix="kairan-backup-")
    name = "kb_" + secrets.token_hex(4)
    try:
        ref = os.path.join(work, "ref.jsonl")
        run("export-db", "--db", server.db, ref)
        bk1 = os.path.join(work, "site.bak")
        run("backup", "--db", server.db, bk1)
        assert open(bk1, "rb").read(16) == b"SQLite format 3\x00"
        pg = psql("CREATE DATABASE " + name)
        run("restore", "--db", pg, bk1)
        bk2 = os.path.join(work, "pg.bak")
        run("backup", "--db", pg, bk2)
        assert open(bk2, "rb").read(1) == b"{"
        back = os.path.join(work, "back.db")
        run("restore", "--db", back, bk2)
        out = os.path.join(work, "back.jsonl")
        run("export-db", "--db", back, out)
        assert open(out, "rb").read() == open(ref, "rb").read()
        # Restoring into a PostgreSQL database that has data is refused.
        r = run("restore", "--db", pg, bk2, check=False)
        assert r.returncode != 0 and b"not empty" in r.stderr
    finally:
        try:
            psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(work, ignore_errors=True)
