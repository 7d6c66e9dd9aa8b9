"""The consultation desk's keyword search and daily situation digest
(issue 4: R9.6, R7.2, R5.4) over HTTP, on both engines: a railway operator
reports an AMBER outage designating its ministry and the police; the
two-character word 障害 finds it (title, description, a timeline message)
for them and the coordinators, through the JSON API and the web list, and
never for a third organisation (no hit, no count, no board number, 404).
The daily digest mail reaches a real SMTP sink with the numbers each
person may see, names no case of another organisation, carries no AMBER
title or body (id, label and link only) and honours the per-person
setting; the home page shows the same numbers in its incident overview."""

import os
import re

import pytest

from conftest import free_port
from smtp_sink import SmtpSink

AMBER_TITLE = "DIGEST-AMBERTITLE 信号設備の障害"
AMBER_BODY = "DIGEST-AMBERBODY 運行管理サーバが応答しません 192.0.2.55"
OTHER_TITLE = "OTHERCASE 会場無線の障害"


@pytest.fixture(scope="module")
def sink():
    with SmtpSink(free_port()) as s:
        yield s


@pytest.fixture(scope="module")
def env_smtp(sink):
    old = os.environ.get("KAIRAN_SMTP_URL")
    os.environ["KAIRAN_SMTP_URL"] = sink.url
    os.environ["KAIRAN_MAIL_FROM"] = "kairan@cc.example"
    yield
    if old is None:
        os.environ.pop("KAIRAN_SMTP_URL", None)
    else:
        os.environ["KAIRAN_SMTP_URL"] = old
    os.environ.pop("KAIRAN_MAIL_FROM", None)


@pytest.fixture(scope="module")
def srv(env_smtp, server):
    # `server` starts after env_smtp set the SMTP URL, so its worker mails.
    return server


def setup_server(s):
    s.add_org("d-rail", "Digest Rail", kind="critical_service", sector="railway", name_ja="ダイジェスト鉄道")
    s.add_org("d-min", "Digest Ministry", kind="ministry")
    s.add_org("d-police", "Digest Police", kind="law_enforcement")
    s.add_org("d-agency", "Digest Agency", kind="security_agency")
    s.add_org("d-other", "Digest Venue", kind="venue", name_ja="ダイジェスト会場")
    s.add_user("d-coord", "cc", role="coordinator")
    s.add_user("d-rail1", "d-rail")
    s.add_user("d-min1", "d-min")
    s.add_user("d-pol1", "d-police")
    s.add_user("d-ag1", "d-agency")
    s.add_user("d-other1", "d-other")
    s.add_user("d-other2", "d-other")
    s.add_org("d-quiet", "Quiet Venue", kind="venue")
    s.add_user("d-quiet1", "d-quiet")


@pytest.fixture(scope="module")
def apis(srv):
    return {login: srv.api(srv.apikey(login)) for login in
            ("d-coord", "d-rail1", "d-min1", "d-pol1", "d-ag1", "d-other1")}


@pytest.fixture(scope="module")
def cases(apis):
    r = apis["d-rail1"].post("/api/v1/incidents", json={
        "kind": "report_incident", "title": AMBER_TITLE, "description": AMBER_BODY, "tlp": "amber",
        "recipients": ["d-min", "d-police"]})
    assert r.status_code == 201, r.text
    rail = r.json()["id"]
    r = apis["d-other1"].post("/api/v1/incidents", json={
        "kind": "report_incident", "title": OTHER_TITLE, "description": "来場者用の無線が不通", "tlp": "green"})
    assert r.status_code == 201, r.text
    other = r.json()["id"]
    return rail, other


def search(api, q, **params):
    r = api.get("/api/v1/incidents", params=dict(q=q, **params))
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [k["id"] for k in body["items"]]
    assert body["total"] == len(ids)
    b = api.get("/api/v1/incidents/board", params={"q": q})
    assert b.status_code == 200, b.text
    assert b.json()["total"] == body["total"]
    return ids


def test_search_finds_two_character_words_within_scope(apis, cases):
    rail, other = cases
    for who in ("d-rail1", "d-min1", "d-pol1"):
        assert search(apis[who], "障害") == [rail], who
        assert search(apis[who], "応答") == [rail], who          # the description
    assert search(apis["d-coord"], "障害") == [other, rail]
    # The third organisation: its own case only, never the railway's.
    assert search(apis["d-other1"], "障害") == [other]
    assert search(apis["d-other1"], "信号") == []
    assert search(apis["d-other1"], "DIGEST-AMBERTITLE") == []
    assert apis["d-other1"].get("/api/v1/incidents/" + rail).status_code == 404
    # The agency is not a recipient (yet): nothing at all.
    assert search(apis["d-ag1"], "障害") == []
    # Both words must match; words with nothing searchable find nothing.
    assert search(apis["d-min1"], "信号 応答") == [rail]
    assert search(apis["d-min1"], "信号 無線") == []
    assert search(apis["d-coord"], "、。") == []
    # A timeline message is searchable at once, within the case's scope.
    r = apis["d-pol1"].post("/api/v1/incidents/%s/events" % rail, json={"body": "ルーター交換で復旧を試みます"})
    assert r.status_code == 201, r.text
    assert search(apis["d-rail1"], "交換") == [rail]
    assert search(apis["d-other1"], "交換") == []
    # Bad input: a clean 400 with a JSON error.
    r = apis["d-rail1"].get("/api/v1/incidents", params={"q": "x" * 201})
    assert r.status_code == 400 and r.json()["error"]["code"]
    r = apis["d-rail1"].get("/api/v1/incidents", params={"q": "障害\x01"})
    assert r.status_code == 400 and r.json()["error"]["code"]


def test_web_list_search(srv, cases):
    rail, other = cases
    mn = srv.login("d-min1")
    pg = mn.page("/incidents?q=%E9%9A%9C%E5%AE%B3")   # 障害
    assert pg.status == 200
    assert rail in pg.text and other not in pg.text
    ot = srv.login("d-other1")
    pg = ot.page("/incidents?q=%E9%9A%9C%E5%AE%B3")
    assert pg.status == 200
    assert other in pg.text and rail not in pg.text and "DIGEST-AMBER" not in pg.text
    assert ot.page("/incidents?q=" + "x" * 201).status == 400


def digest_totals(body):
    """(new, open, resolved) from the mail's first count line."""
    m = re.search(r"(?:新規|New): (\d+) / (?:対応中|Open): (\d+) / (?:解決|Resolved): (\d+)", body)
    assert m, body
    return tuple(int(x) for x in m.groups())


def test_digest_mail_counts_only_what_each_person_sees(srv, sink, apis, cases):
    rail, other = cases
    coord = apis["d-coord"]
    r = coord.patch("/api/v1/incidents/" + rail, json={"class": "outage", "priority": "p2"})
    assert r.status_code == 200, r.text
    r = coord.post("/api/v1/incidents/%s/support-requests" % rail, json={"agency": "d-agency", "kind": "advice"})
    assert r.status_code == 201, r.text
    sr = r.json()["id"]
    r = apis["d-ag1"].post("/api/v1/support-requests/%s/answer" % sr, json={"action": "answer", "text": "設定の見直しを"})
    assert r.status_code in (200, 201), r.text
    r = coord.patch("/api/v1/incidents/" + other, json={"class": "cloud_outage"})
    assert r.status_code == 200, r.text
    r = coord.post("/api/v1/incidents/%s/state" % other, json={"state": "resolved"})
    assert r.status_code == 200, r.text
    # The police turn the digest off (the existing per-person setting).
    pol = srv.login("d-pol1")
    r = pol.submit("/account", {}, action="/account/notifications", drop=("digest",))
    assert r.status_code in (302, 303), r.status_code

    before = len(sink.messages())
    assert srv.cli("jobs digest").returncode == 0
    want = {"d-coord", "d-rail1", "d-min1", "d-ag1", "d-other1", "d-other2"}

    def digests(msgs):
        return {m["to"][0].strip("<>").split("@")[0]: m for m in msgs[before:]
                if "本日のまとめ" in m["subject"] or "Daily digest" in m["subject"]}
    got = digests(sink.wait_for(lambda m: want <= set(digests(m))))
    # The server's worker may still be sending some: give a mail that
    # should not exist time to arrive before saying it did not.
    got = digests(sink.wait_for(lambda m: False, timeout=3))
    assert want <= set(got), sorted(got)
    assert "d-pol1" not in got                       # setting honoured
    assert "d-quiet1" not in got                     # nothing to tell
    for who, m in got.items():
        raw = m["raw"].decode("utf-8", "replace")
        assert "DIGEST-AMBERTITLE" not in m["subject"] + m["body"] + raw, who
        assert "DIGEST-AMBERBODY" not in m["body"] and "192.0.2.55" not in m["body"], who
        assert "インシデント状況" in m["body"], who
    # Coordinators: both cases (the center is a recipient of every case).
    assert digest_totals(got["d-coord"]["body"]) == (2, 1, 1)
    # The railway and its ministry: their case, by id, label and link only.
    for who in ("d-rail1", "d-min1"):
        b = got[who]["body"]
        assert digest_totals(b) == (1, 1, 0), who
        assert rail in b and "TLP:AMBER" in b and "/incidents/" + rail in b, who
        assert other not in b and "OTHERCASE" not in b, who
        assert re.search(r"(支援依頼への回答|Support requests answered): 1", b), who
    # The agency now sees the case it answered.
    assert digest_totals(got["d-ag1"]["body"]) == (1, 1, 0)
    # The third organisation: its own case, nothing of the railway's.
    for who in ("d-other1", "d-other2"):
        b = got[who]["body"]
        assert digest_totals(b) == (1, 0, 1), who
        assert rail not in b and "TLP:AMBER" not in b and "ダイジェスト鉄道" not in b, who
        assert other in b and "OTHERCASE" in b, who      # GREEN: its title may travel
        assert re.search(r"(支援依頼への回答|Support requests answered): 0", b), who


def test_digest_api(apis, cases):
    rail, other = cases
    d = apis["d-min1"].get("/api/v1/incidents/digest").json()
    assert d["total"] == {"new": 1, "open": 1, "resolved": 0}
    assert d["by_class"]["outage"] == {"new": 1, "open": 1, "resolved": 0}
    assert d["by_class"]["cloud_outage"] == {"new": 0, "open": 0, "resolved": 0}
    assert d["support_answered"] == 1 and d["open_by_state"] == {"triaged": 1}
    assert [k["id"] for k in d["new_cases"]] == [rail]
    d = apis["d-coord"].get("/api/v1/incidents/digest").json()
    assert d["total"] == {"new": 2, "open": 1, "resolved": 1}
    r = apis["d-other1"].get("/api/v1/incidents/digest")
    assert r.status_code == 200
    assert rail not in r.text and "DIGEST-AMBER" not in r.text
    d = r.json()
    assert d["total"] == {"new": 1, "open": 0, "resolved": 1} and d["support_answered"] == 0
    assert [k["id"] for k in d["new_cases"]] == [other]
    r = apis["d-other1"].get("/api/v1/incidents/digest", headers={"Authorization": "Bearer kr_nonsense"})
    assert r.status_code == 401


def overview_totals(pg):
    """(new, open, resolved) of the overview's total row."""
    row = pg.resp.text.split('id="digest-total"', 1)[1].split("</tr>", 1)[0]
    return tuple(int(x) for x in re.findall(r'<td class="num">(\d+)</td>', row))


def test_home_page_incident_overview(srv, cases):
    rail, other = cases
    mn = srv.login("d-min1")
    pg = mn.page("/")
    assert pg.status == 200
    assert "incident-overview" in pg.ids
    assert overview_totals(pg) == (1, 1, 0)
    assert rail in pg.text and "DIGEST-AMBERTITLE" in pg.text   # a recipient reads its own case
    assert other not in pg.text
    ot = srv.login("d-other2", lang="ja")
    pg = ot.page("/")
    assert "インシデント状況" in pg.text
    assert overview_totals(pg) == (1, 0, 1)
    assert rail not in pg.text and "DIGEST-AMBER" not in pg.text and "信号設備" not in pg.text
    assert other in pg.text


def test_search_survives_export_and_import(srv, apis, cases):
    """export-db does not carry the per-engine index; import-db rebuilds
    it, so the moved site finds the same cases for the same people."""
    import shutil
    import subprocess
    import tempfile
    from conftest import KAIRAN_BIN, Server
    rail, other = cases
    key = srv.apikey("d-min1", label="moved")
    okey = srv.apikey("d-other1", label="moved")
    work = tempfile.mkdtemp(prefix="kairan-incdigest-move-")
    try:
        dump = os.path.join(work, "site.jsonl")
        srv.cli("export-db", dump)
        target = os.path.join(work, "moved.db")
        p = subprocess.run([KAIRAN_BIN, "import-db", "--db", target, dump], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        assert p.returncode == 0, p.stderr
        assert b"reindexed" in p.stderr and b" 2 cases" in p.stderr, p.stderr
        s2 = Server.__new__(Server)
        s2.workdir, s2.name, s2.proc, s2.port = work, "incdigest-moved", None, None
        s2.log_path = os.path.join(work, "server.stderr")
        s2.pg_dbname, s2.db = None, target
        s2.start()
        try:
            assert search(s2.api(key), "障害") == [rail]
            assert search(s2.api(key), "交換") == [rail]
            assert search(s2.api(okey), "障害") == [other]
        finally:
            s2.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)



def test_home_page_of_someone_who_sees_no_case(srv, cases):
    rail, other = cases
    q = srv.login("d-quiet1")
    pg = q.page("/")
    assert pg.status == 200
    assert "digest-none" in pg.ids and "digest-total" not in pg.ids
    assert rail not in pg.text and other not in pg.text
