"""The consultation desk's minimal pages (web/incident.c): one report form
reaches the designated ministry and the coordinators, nobody else (404,
empty list); the coordinator triages and changes state through the forms;
an illegal state and a forged CSRF token are refused with nothing changed."""

import re


def setup_server(s):
    s.add_org("p-rail", "Page Railway", kind="critical_service", sector="railway")
    s.add_org("p-min", "Page Ministry", kind="ministry")
    s.add_org("p-other", "Page Other", kind="venue")
    s.add_user("p-coord", "cc", role="coordinator")
    s.add_user("p-rail1", "p-rail")
    s.add_user("p-min1", "p-min")
    s.add_user("p-other1", "p-other")


def test_report_triage_and_visibility(server):
    rail = server.login("p-rail1")
    r = rail.submit("/incidents/new", {"kind": "report_incident", "title": "PAGE-DDOS 予約サイト",
                                       "description": "大量のリクエスト", "tlp": "amber",
                                       "started_at": "2021-07-24 10:05", "recipients": "p-min"},
                    action="/incidents/new", files={"file": ("log.txt", b"abc\n", "text/plain")})
    assert r.status_code == 303, r.text[:500]
    path = r.headers["Location"].split("?")[0]
    assert re.fullmatch(r"/incidents/C-\d{8}-\d{4}", path), path
    pg = rail.page(path)
    assert pg.status == 200 and "PAGE-DDOS" in pg.text and "log.txt" in pg.text
    files = [l for l in pg.links if l.startswith("/incident-files/")]
    assert rail.get(files[0]).content == b"abc\n"

    mn = server.login("p-min1")
    assert "PAGE-DDOS" in mn.page("/incidents").text
    other = server.login("p-other1")
    assert other.get(path).status_code == 404
    assert other.get(files[0]).status_code == 404
    assert "PAGE-DDOS" not in other.page("/incidents").text
    # Bad input on the form: 422 with the field named, nothing stored.
    r = rail.submit("/incidents/new", {"kind": "report_incident", "title": "", "tlp": "amber"},
                    action="/incidents/new")
    assert r.status_code == 422
    r = rail.submit("/incidents/new", {"kind": "report_incident", "title": "x", "tlp": "amber",
                                       "recipients": "no-such-org"}, action="/incidents/new")
    assert r.status_code == 422
    assert mn.page("/incidents").text.count("PAGE-DDOS") == 1

    coord, _clock, _codes = server.login_enrol("p-coord")
    pg = coord.page(path)
    assert pg.status == 200
    r = coord.submit(pg, {"priority": "p1", "class": "ddos", "affects_event": "1"}, action=path + "/triage")
    assert r.status_code == 303, r.text[:300]
    pg = coord.page(path)
    assert pg.ids["state"].strip() in ("Triaged", "受付済")
    # A member cannot change state; an illegal state and a missing CSRF token are refused.
    csrf = rail.csrf(path)
    assert rail.post(path + "/state", data={"csrf": csrf, "state": "resolved"}).status_code == 403
    ccsrf = coord.csrf(path)
    assert coord.post(path + "/state", data={"csrf": ccsrf, "state": "new"}).status_code == 400
    assert coord.post(path + "/state", data={"state": "resolved"}).status_code in (400, 403)
    assert coord.page(path).ids["state"].strip() in ("Triaged", "受付済")
    r = coord.submit(coord.page(path), {"state": "resolved"}, action=path + "/state")
    assert r.status_code == 303
    assert coord.page(path).ids["state"].strip() in ("Resolved", "解決")
    board = coord.page("/incidents?class=ddos")
    assert "PAGE-DDOS" in board.text
