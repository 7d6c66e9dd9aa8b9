"""Several `kairan serve` nodes on one PostgreSQL behave as one site
(SPEC R17.1, issue 6): a login on node A is valid on node B, each queued
job runs once although both nodes' workers claim jobs, and losing the
database gives a clean 503 from which the node recovers by itself."""

import collections
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import ENGINE, ROOT, Server, free_port
from smtp_sink import SmtpSink

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="several nodes need PostgreSQL")

N_PEOPLE = 40


@pytest.fixture(scope="module")
def sink():
    with SmtpSink(free_port()) as s:
        yield s


@pytest.fixture(scope="module")
def nodes(sink):
    old = os.environ.get("KAIRAN_SMTP_URL")
    os.environ["KAIRAN_SMTP_URL"] = sink.url
    wa = tempfile.mkdtemp(prefix="kairan-node-a-")
    wb = tempfile.mkdtemp(prefix="kairan-node-b-")
    a = Server(wa, "nodes")
    b = Server.__new__(Server)
    # Node B: the same database, its own process and log.
    b.workdir, b.name, b.proc, b.port = wb, "nodes-b", None, None
    b.log_path = os.path.join(wb, "server.stderr")
    b.pg_dbname, b.db = None, a.db
    try:
        a.init()
        a.add_org("n-rail", "Node Rail", kind="critical_service", sector="railway")
        a.add_user("n-coord", "cc", role="coordinator")
        for i in range(N_PEOPLE):
            a.add_user("n-p%02d" % i, "n-rail")
        a.start()
        b.start()
        yield a, b
        a.stop()
        b.stop()
    finally:
        for s in (a, b):
            if s.proc and s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        a.drop()
        shutil.rmtree(wa, ignore_errors=True)
        shutil.rmtree(wb, ignore_errors=True)
        if old is None:
            os.environ.pop("KAIRAN_SMTP_URL", None)
        else:
            os.environ["KAIRAN_SMTP_URL"] = old


def test_login_on_a_is_valid_on_b(nodes):
    a, b = nodes
    c = a.login("n-p00")
    assert c.logged_in()
    cookie = c.cookies.get("kr_session")
    assert cookie
    cb = b.client()
    cb.cookies.set("kr_session", cookie)
    r = cb.get("/account", allow_redirects=False)
    assert r.status_code == 200, r.status_code
    assert "n-p00" in r.text
    # Log out on B: the session is gone on A too.
    page = cb.page("/account")
    form = page.form(action="/logout")
    data = dict(form.fields)
    r = cb.post("/logout", data=data, allow_redirects=False)
    assert r.status_code in (303, 302)
    r = c.get("/account", allow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["Location"]


def test_each_job_runs_once(nodes, sink):
    a, b = nodes
    key = a.apikey("n-coord")
    # Important topic in an everyone-community: a mail job per recipient,
    # claimed by both nodes' workers at once.
    r = a.api(key).post("/api/v1/topics", json={
        "community": "general", "title": "【重要】全員への注意喚起", "tag": "important",
        "category": "alert", "tlp": "clear", "body": "本文"})
    assert r.status_code == 201, r.text
    want = N_PEOPLE + 1  # the people of n-rail and the admin (not the author)
    msgs = sink.wait_for(lambda m: len(m) >= want, timeout=60)
    time.sleep(3)  # room for a duplicate to show up
    msgs = sink.messages()
    per = collections.Counter(r.strip("<>") for m in msgs for r in m["to"])
    dup = {k: v for k, v in per.items() if v != 1}
    assert not dup, dup
    assert len(per) == want
    logs = a.stderr_text() + b.stderr_text()
    assert "mail not sent" not in logs


def test_database_loss_gives_503_and_recovers(nodes):
    a, b = nodes
    pg_dir = os.environ.get("KAIRAN_TEST_PG_DIR")
    if not pg_dir:
        pytest.skip("KAIRAN_TEST_PG_DIR not set (scripts/test.sh sets it)")
    c = a.login("n-p01")
    assert c.get("/orgs").status_code == 200
    script = os.path.join(ROOT, "scripts", "pg-cluster.sh")
    subprocess.run([script, "pause", pg_dir], check=True, timeout=120)
    try:
        for s, cl in ((a, c), (b, b.client())):
            r = cl.get("/orgs" if cl is c else "/healthz", allow_redirects=False)
            assert r.status_code == 503, (s.name, r.status_code)
            assert s.alive()
    finally:
        subprocess.run([script, "resume", pg_dir], check=True, timeout=120)
    # The nodes reconnect by themselves.
    deadline = time.time() + 30
    codes = []
    while time.time() < deadline:
        codes = [c.get("/orgs", allow_redirects=False).status_code,
                 requests.get(b.base + "/healthz", timeout=5).status_code]
        if codes == [200, 200]:
            break
        time.sleep(0.5)
    assert codes == [200, 200]
