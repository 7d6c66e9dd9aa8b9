"""The web pages of R9.4 and R9.5 (web/incident_report.c): AM/PM upward
reports (form with the flagged candidates, printable page, CSV, sending
log) and the review step of a sanitised lesson-learned topic.  Only
coordinators reach them: everyone else gets the 404 of a missing page.
Bad input (period, date, unknown or unflagged cases, community, TLP, too
many extra terms, no CSRF token) is a 4xx with nothing stored."""

import html
import re

import pytest

RAIL_EN = "Webline Rail Kaisha"
RAIL_JA = "ウェブライン鉄道"
PERSON = "Hanako Tetsudo"
EMAIL = "hanako@wl-rail.example"
HOST = "booking.wl-rail.example"
IP = "203.0.113.77"
EXTRA = "Shinjuku depot"
IDENTIFYING = [RAIL_EN, RAIL_JA, PERSON, "Hanako", "Tetsudo", EMAIL, HOST, IP, "wl-rail"]


def setup_server(s):
    s.add_org("wl-rail", RAIL_EN, kind="critical_service", sector="railway", name_ja=RAIL_JA)
    s.add_org("wl-min", "Webline Ministry", kind="ministry")
    s.add_org("wl-other", "Webline Other", kind="venue")
    s.add_user("wl-coord", "cc", role="coordinator")
    s.add_user("wl-rail1", "wl-rail", name=PERSON, email=EMAIL)
    s.add_user("wl-min1", "wl-min")
    s.add_user("wl-other1", "wl-other")


@pytest.fixture(scope="module")
def world(server):
    rail = server.login("wl-rail1")
    desc = ("%s (%s) の予約サイト %s に %s から大量の通信。担当 %s (%s)。%s で確認。"
            % (RAIL_EN, RAIL_JA, HOST, IP, PERSON, EMAIL, EXTRA))
    r = rail.submit("/incidents/new", {"kind": "report_incident", "title": "WEB-DDOS %s 予約サイト" % RAIL_EN,
                                       "description": desc, "tlp": "amber", "recipients": "wl-min"},
                    action="/incidents/new")
    assert r.status_code == 303, r.text[:500]
    flagged = r.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    r = rail.submit("/incidents/new", {"kind": "question", "title": "WEB-PLAIN 質問", "description": "q",
                                       "tlp": "green"}, action="/incidents/new")
    assert r.status_code == 303
    plain = r.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    coord, _clock, _codes = server.login_enrol("wl-coord")
    path = "/incidents/" + flagged
    r = coord.submit(coord.page(path), {"priority": "p1", "class": "ddos", "affects_event": "1"},
                     action=path + "/triage")
    assert r.status_code == 303, r.text[:300]
    return {"rail": rail, "coord": coord, "min": server.login("wl-min1"),
            "other": server.login("wl-other1"), "flagged": flagged, "plain": plain}


def report_links(client):
    pg = client.page("/upward-reports")
    assert pg.status == 200
    return sorted({l for l in pg.links if re.fullmatch(r"/upward-reports/U-[0-9]{8}-(AM|PM)-[0-9]{2}", l)})


def test_upward_report_pages(world):
    coord, flagged, plain = world["coord"], world["flagged"], world["plain"]
    missing = coord.get("/upward-reports/U-20990101-PM-01")
    assert missing.status_code == 404
    assert report_links(coord) == []

    # The form pre-selects the flagged case and does not offer the plain one.
    pg = coord.page("/upward-reports/new")
    assert pg.status == 200
    assert flagged in pg.ids["candidates"] and plain not in pg.ids["candidates"]
    f = pg.form(action="/upward-reports/new")
    assert f.fields.get("case") == flagged, f.fields
    csrf = f.fields["csrf"]

    # Bad input: 4xx, nothing issued.
    base = [("csrf", csrf), ("period", "pm"), ("date", "2021-07-24")]
    bad = [
        [("csrf", csrf), ("period", "noon"), ("date", "2021-07-24"), ("case", flagged)],
        [("csrf", csrf), ("period", "pm"), ("date", "2021-13-40"), ("case", flagged)],
        [("csrf", csrf), ("period", "pm"), ("date", "24/07/2021"), ("case", flagged)],
        base + [("case", "C-20990101-9999")],
        base + [("case", plain)],                       # not flagged
        base + [("case", flagged), ("case", flagged)],  # twice
        base + [("case", "x" * 5000)],
    ]
    for data in bad:
        r = coord.post("/upward-reports/new", data=data)
        assert r.status_code == 422, (data, r.status_code)
    r = coord.post("/upward-reports/new", data=[("period", "pm"), ("date", "2021-07-24"), ("case", flagged)])
    assert r.status_code in (400, 403)
    assert report_links(coord) == []

    # Issue the PM report.
    r = coord.post("/upward-reports/new", data=base + [("case", flagged)])
    assert r.status_code == 303, r.text[:500]
    rpath = r.headers["Location"].split("?")[0]
    assert rpath == "/upward-reports/U-20210724-PM-01", rpath
    assert report_links(coord) == [rpath]
    rep = coord.get(rpath)
    assert rep.status_code == 200
    assert "<nav" not in rep.text and "/assets/report.css" in rep.text
    pg = coord.page(rpath)
    assert "午後" in pg.text and "PM report" in pg.text
    assert flagged in pg.ids["report-cases"] and plain not in pg.text
    assert pg.ids["case-count"].strip() == "1"
    assert "報告組織 / Reporting organisation" in pg.ids["report-cases"]
    css = coord.get("/assets/report.css").text
    assert "@media print" in css and ".screen-only" in css

    csv = coord.get(rpath + "/csv")
    assert csv.status_code == 200
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv.headers["Content-Disposition"]
    assert csv.content.startswith(b"\xef\xbb\xbf")
    assert flagged in csv.content.decode("utf-8")

    # Sending log: empty and missing-token sends are refused, one send logged.
    csrf = coord.csrf(rpath)
    assert coord.post(rpath + "/send", data={"csrf": csrf, "to": ""}).status_code == 400
    assert coord.post(rpath + "/send", data={"csrf": csrf, "to": "x" * 300}).status_code == 400
    assert coord.post(rpath + "/send", data={"to": "Higher center"}).status_code in (400, 403)
    assert "sends" not in coord.page(rpath).ids
    r = coord.post(rpath + "/send", data={"csrf": csrf, "to": "上位センター Higher center"})
    assert r.status_code == 303
    pg = coord.page(rpath)
    assert "上位センター Higher center" in pg.ids["sends"]
    assert pg.ids["sends"].count("→") == 1
    assert coord.post("/upward-reports/U-20990101-PM-01/send",
                      data={"csrf": csrf, "to": "x"}).status_code == 404

    # Everyone else: the same 404 as a missing page, and nothing issued.
    for who in ("rail", "min", "other"):
        c = world[who]
        for p in ("/upward-reports", "/upward-reports/new", rpath, rpath + "/csv"):
            r = c.get(p)
            assert r.status_code == 404, (who, p, r.status_code)
        ccsrf = c.csrf("/account")
        r = c.post("/upward-reports/new", data=[("csrf", ccsrf), ("period", "am"), ("date", "2021-07-25"),
                                                ("case", flagged)])
        assert r.status_code == 404
        assert c.post(rpath + "/send", data={"csrf": ccsrf, "to": "x"}).status_code == 404
    assert report_links(coord) == [rpath]
    assert coord.page(rpath).ids["sends"].count("→") == 1
    # The case's timeline records the report.
    assert rpath.rsplit("/", 1)[1] in coord.page("/incidents/" + flagged).ids["timeline"]


def strip_values(text):
    return [html.unescape(v) for v in re.findall(r'name="strip" type="checkbox" value="([^"]*)"', text)]


def listed(values):
    return [("listed", v) for v in values]


def test_sanitised_lesson(world, server):
    coord, rail, flagged = world["coord"], world["rail"], world["flagged"]
    lpath = "/incidents/%s/lesson" % flagged
    assert lpath in coord.page("/incidents/" + flagged).links
    # Not for the reporter (who sees the case), nor anyone else; a missing case is 404 too.
    for who in ("rail", "min", "other"):
        assert world[who].get(lpath).status_code == 404, who
    assert coord.get("/incidents/C-20990101-0001/lesson").status_code == 404
    assert rail.post(lpath, data={"csrf": rail.csrf("/account"), "action": "publish", "title": "t",
                                  "body": "b", "community": "general", "tlp": "green"}).status_code == 404

    pg = coord.page(lpath)
    assert pg.status == 200
    assert RAIL_EN in pg.ids["original"] and PERSON in pg.ids["original"]
    for s in IDENTIFYING:
        assert s not in pg.ids["sanitised"], s
    assert EXTRA in pg.ids["sanitised"]
    found = strip_values(coord.get(lpath).text)
    for s in (RAIL_EN, RAIL_JA, EMAIL, HOST, IP):
        assert s in found, (s, found)
    f = pg.form(action=lpath)
    community = f.selects["community"][0]
    csrf = f.fields["csrf"]

    # Preview: an unticked string stays in, an extra term goes.
    keep_ip = [("strip", v) for v in found if v != IP] + listed(found)
    r = coord.post(lpath, data=[("csrf", csrf), ("action", "preview"), ("extra", EXTRA)] + keep_ip)
    assert r.status_code == 200
    from conftest import Page
    prev = Page(r)
    assert IP in prev.ids["sanitised"] and EXTRA not in prev.ids["sanitised"]
    assert RAIL_EN not in prev.ids["sanitised"]

    title = "LESSON-WEB 予約サイトへの DDoS"
    body = prev.ids["sanitised"] + "\n追記: %s と %s に連絡。" % (RAIL_EN, EMAIL)  # typed back in
    every = [("strip", v) for v in found] + listed(found)
    good = [("csrf", csrf), ("extra", EXTRA), ("title", title), ("body", body), ("community", community),
            ("tlp", "green"), ("action", "publish")] + every

    def with_(**kw):
        return [(k, kw.get(k, v)) for k, v in good]

    def lesson_events():
        # Each lesson event names its topic (YYYYMMDD-NNNNNN).
        return len(re.findall(r"\b[0-9]{8}-[0-9]{6}\b", coord.page("/incidents/" + flagged).ids["timeline"]))

    # Bad input: 4xx, no topic.
    for data in (with_(community="no-such-community"), with_(tlp="purple"), with_(title=""),
                 with_(extra="\n".join("term%02d" % i for i in range(51))), with_(extra="x")):
        r = coord.post(lpath, data=data)
        assert r.status_code == 422, (data[:7], r.status_code)
    r = coord.post(lpath, data=[(k, v) for k, v in good if k != "csrf"])
    assert r.status_code in (400, 403)
    assert lesson_events() == 0
    assert "LESSON-WEB" not in coord.page("/topics").text

    r = coord.post(lpath, data=good)
    assert r.status_code == 303, r.text[:1000]
    tpath = r.headers["Location"].split("?")[0]
    assert re.fullmatch(r"/topics/[0-9]{8}-[0-9]{6}", tpath), tpath
    topic = coord.get(tpath)
    assert topic.status_code == 200 and "LESSON-WEB" in topic.text
    # The topic as shown (the article; the page around it lists the
    # coordinator's communities by name) and as the API gives it.
    article = re.search(r'<article class="topic">(.*?)</article>', topic.text, re.S)
    assert article, topic.text[:2000]
    t = server.api(server.apikey("wl-coord")).get("/api/v1/topics/" + tpath.rsplit("/", 1)[1]).json()
    for text in (html.unescape(article.group(1)), t["title"] + "\n" + t["body"]):
        for s in IDENTIFYING + [EXTRA]:
            assert s.lower() not in text.lower(), s
        assert "[組織/ORG]" in text and "[削除/REDACTED]" in text and "追記" in text
    assert t["category"] == "incident" and t["tlp"] in ("green", "TLP:GREEN")
    assert lesson_events() == 1
    assert tpath.rsplit("/", 1)[1] in coord.page("/incidents/" + flagged).ids["timeline"]
