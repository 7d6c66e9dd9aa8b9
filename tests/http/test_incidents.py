"""The consultation desk over the JSON API (issue 4, R9) on both engines:
a railway operator reports a DDoS and designates its ministry and the
police; all three and the coordinators see it, nobody else can (404
everywhere, no counts); a coordinator triages, asks an agency for
support, the agency answers; the case goes into the PM report (JSON, CSV,
text); a sanitised topic is published without the reporter's identifying
strings.  Then bad input of every field, illegal state changes, forged
ids and requests to non-agencies: 4xx JSON errors and nothing changed."""

import base64

import pytest

SECRETS = ["東都鉄道", "Toto Railway", "toto-rail", "山田", "花子", "i-rail1", "203.0.113.10",
           "reserve.toto-rail.example.jp", "i-rail1@example.test", "198.51.100.7"]


def setup_server(s):
    s.add_org("toto-rail", "Toto Railway", kind="critical_service", sector="railway", name_ja="東都鉄道")
    s.add_org("i-min", "Transport Ministry", kind="ministry")
    s.add_org("i-police", "Toto Police", kind="law_enforcement")
    s.add_org("i-agency", "Cyber Agency", kind="security_agency")
    s.add_org("i-other", "Other Venue", kind="venue")
    s.add_user("i-coord", "cc", role="coordinator")
    s.add_user("i-rail1", "toto-rail", name="山田 花子")
    s.add_user("i-min1", "i-min")
    s.add_user("i-pol1", "i-police")
    s.add_user("i-ag1", "i-agency")
    s.add_user("i-other1", "i-other")


@pytest.fixture(scope="module")
def apis(server):
    return {login: server.api(server.apikey(login)) for login in
            ("i-coord", "i-rail1", "i-min1", "i-pol1", "i-ag1", "i-other1")}


def assert_error(r, status):
    assert r.status_code == status, (r.status_code, r.text[:400])
    assert r.headers["Content-Type"].startswith("application/json")
    e = r.json()["error"]
    assert e["code"] and e["message"]
    return e


REPORT = {
    "kind": "report_incident",
    "title": "東都鉄道 予約サイトへの DDoS",
    "description": "山田 花子 です。reserve.toto-rail.example.jp (203.0.113.10) に大量のリクエスト。"
                   "連絡先 i-rail1@example.test",
    "tlp": "amber",
    "impact": "予約サイトが 30 分間応答せず",
    "started_at": "2021-07-24T10:05:00+09:00",
    "affected_systems": "reserve.toto-rail.example.jp",
    "recipients": ["i-min", "i-police"],
    "attachment": {"filename": "summary.txt", "content_type": "text/plain",
                   "content_base64": base64.b64encode(b"top talkers\n").decode()},
}


@pytest.fixture(scope="module")
def case(apis):
    r = apis["i-rail1"].post("/api/v1/incidents", json=REPORT)
    assert r.status_code == 201, r.text
    k = r.json()
    assert k["id"].startswith("C-") and len(k["id"]) == 15
    assert k["state"] == "new" and k["tlp"] == "amber"
    assert sorted(x["org"] for x in k["recipients"]) == ["cc", "i-min", "i-police"]
    return k["id"]


def test_everyone_designated_sees_the_same_case(apis, case):
    att = None
    for who in ("i-rail1", "i-min1", "i-pol1", "i-coord"):
        r = apis[who].get("/api/v1/incidents/" + case)
        assert r.status_code == 200, (who, r.text)
        k = r.json()
        assert k["title"] == REPORT["title"]
        assert [e["kind"] for e in k["timeline"]][:2] == ["report", "file"]
        att = k["attachments"][0]["id"]
        items, _ = apis[who].all_items("/api/v1/incidents")
        assert case in [x["id"] for x in items]
        d = apis[who].get("/api/v1/incident-attachments/" + att)
        assert d.status_code == 200 and d.content == b"top talkers\n"
        assert d.headers["Content-Disposition"].startswith("attachment")


def test_nobody_else_learns_of_it(apis, case):
    coord = apis["i-coord"].get("/api/v1/incidents/" + case).json()
    att = coord["attachments"][0]["id"]
    for who in ("i-other1", "i-ag1"):
        api = apis[who]
        assert_error(api.get("/api/v1/incidents/" + case), 404)
        assert_error(api.get("/api/v1/incidents/C-20990101-0001"), 404)
        assert api.get("/api/v1/incident-attachments/" + att).status_code == 404  # a raw route: text errors
        assert_error(api.post("/api/v1/incidents/%s/events" % case, json={"body": "probe"}), 404)
        assert_error(api.post("/api/v1/incidents/%s/state" % case, json={"state": "triaged"}), 404)
        assert_error(api.patch("/api/v1/incidents/" + case, json={"priority": "p1"}), 404)
        assert_error(api.post("/api/v1/incidents/%s/sanitised-draft" % case), 404)
        r = api.get("/api/v1/incidents")
        assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["items"] == []
        b = api.get("/api/v1/incidents/board").json()
        assert b["total"] == 0 and b["by_class"]["other"] == 0 and b["measures"]["cases"] == 0


def test_triage_support_upward_and_sanitised_topic(server, apis, case):
    coord, rail, ag = apis["i-coord"], apis["i-rail1"], apis["i-ag1"]
    triage = {"priority": "p1", "class": "ddos", "affects_event": True, "public_visibility": True,
              "assignee_team": "Team A"}
    assert_error(rail.patch("/api/v1/incidents/" + case, json=triage), 403)
    r = coord.patch("/api/v1/incidents/" + case, json=triage)
    assert r.status_code == 200, r.text
    k = r.json()
    assert (k["state"], k["class"], k["priority"], k["affects_event"]) == ("triaged", "ddos", "p1", True)
    assert k["measures"]["time_to_triage_ms"] >= 0
    b = coord.get("/api/v1/incidents/board").json()
    assert b["by_class"]["ddos"] >= 1 and b["by_state"]["triaged"] >= 1
    assert coord.get("/api/v1/incidents", params={"class": "ddos", "affects_event": "true"}).json()["total"] >= 1
    assert apis["i-min1"].get("/api/v1/incidents", params={"class": "phishing"}).json()["total"] == 0

    # Support only from security agencies.
    e = assert_error(coord.post("/api/v1/incidents/%s/support-requests" % case,
                                json={"agency": "i-min", "kind": "advice"}), 400)
    assert "agency" in e["message"] + str(e.get("field", ""))
    r = coord.post("/api/v1/incidents/%s/support-requests" % case,
                   json={"agency": "i-agency", "kind": "investigation", "note": "攻撃元の分析を"})
    assert r.status_code == 201, r.text
    sr = r.json()["id"]
    assert ag.get("/api/v1/incidents/" + case).status_code == 200   # now a recipient
    inbox = ag.get("/api/v1/support-requests").json()["items"]
    assert [x["id"] for x in inbox] == [sr]
    assert_error(rail.post("/api/v1/support-requests/%d/answer" % sr, json={"action": "accept"}), 403)
    assert_error(apis["i-other1"].post("/api/v1/support-requests/%d/answer" % sr, json={"action": "accept"}), 404)
    assert_error(ag.post("/api/v1/support-requests/%d/answer" % sr, json={"action": "shrug"}), 400)
    assert ag.post("/api/v1/support-requests/%d/answer" % sr, json={"action": "accept"}).status_code == 200
    r = ag.post("/api/v1/support-requests/%d/answer" % sr,
                json={"action": "answer", "text": "攻撃元は 198.51.100.7 のボットネット"})
    assert r.status_code == 200 and r.json()["state"] == "answered"
    assert_error(ag.post("/api/v1/support-requests/%d/answer" % sr, json={"action": "decline"}), 400)
    assert rail.post("/api/v1/incidents/%s/events" % case, json={"body": "復旧しました (山田)"}).status_code == 201
    r = coord.post("/api/v1/incidents/%s/state" % case, json={"state": "resolved", "note": "復旧確認"})
    assert r.status_code == 200 and r.json()["state"] == "resolved"
    tl = [e["kind"] for e in rail.get("/api/v1/incidents/" + case).json()["timeline"]]
    assert "support_request" in tl and "support_answer" in tl and tl[-1] == "state"

    # The PM upward report, as JSON, CSV and printable text.
    assert_error(rail.post("/api/v1/upward-reports", json={"period": "pm", "date": "2021-07-24",
                                                            "incidents": [case]}), 403)
    r = coord.post("/api/v1/upward-reports", json={"period": "pm", "date": "2021-07-24", "incidents": [case],
                                                   "send_to": "上位センター"})
    assert r.status_code == 201, r.text
    up = r.json()
    assert up["incidents"] == [case] and up["sent_at"] and up["sent_to"] == "上位センター"
    assert "午後" in up["text"] and "PM" in up["text"]
    csv = coord.get("/api/v1/upward-reports/%s.csv" % up["id"])
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "分類 / Class" in text and case in text
    assert coord.get("/api/v1/upward-reports/%s.txt" % up["id"]).status_code == 200
    assert up["id"] in [x["id"] for x in coord.get("/api/v1/upward-reports").json()["items"]]
    assert_error(rail.get("/api/v1/upward-reports/" + up["id"]), 404)
    assert_error(rail.get("/api/v1/upward-reports/%s.csv" % up["id"]), 404)
    audit = server.api(server.apikey("admin")).get("/api/v1/audit", params={"action": "upward."}).json()
    assert {"upward.create", "upward.send"} <= {a["action"] for a in audit["items"]}

    # Sanitised lesson-learned topic.
    r = coord.post("/api/v1/incidents/%s/sanitised-draft" % case)
    assert r.status_code == 200, r.text
    d = r.json()
    for s in SECRETS:
        assert s not in d["title"] and s not in d["body"], s
    assert {"org", "person", "email", "host", "ip"} <= {x["kind"] for x in d["removed"]}
    r = coord.post("/api/v1/topics", json={"community": "professional", "title": d["title"], "body": d["body"],
                                           "category": "incident", "tlp": "green"})
    assert r.status_code == 201, r.text
    t = apis["i-other1"].get("/api/v1/topics/" + r.json()["id"]).json()
    for s in SECRETS:
        assert s not in t["title"] and s not in t["body"], s


def snapshot(api, case):
    k = api.get("/api/v1/incidents/" + case).json()
    return (k["state"], k["priority"], k["class"], k["updated_at"], len(k["timeline"]),
            len(k["support_requests"]), len(k["attachments"]))


def test_bad_input_is_refused_and_changes_nothing(apis, case):
    coord, rail = apis["i-coord"], apis["i-rail1"]
    before = snapshot(coord, case)
    total = coord.get("/api/v1/incidents").json()["total"]
    bad_reports = [
        ("kind", {"kind": "rumour"}), ("kind", {"kind": 5}), ("title", {"title": ""}),
        ("title", {"title": "x" * 201}), ("title", {"title": "a\nb"}), ("tlp", {"tlp": "purple"}),
        ("description", {"description": ["x"]}), ("impact", {"impact": "\u0001"}),
        ("affected_systems", {"affected_systems": 3}), ("started_at", {"started_at": "yesterday"}),
        ("started_at", {"started_at": "2999-01-01T00:00:00Z"}), ("recipients", {"recipients": ["nosuch"]}),
        ("recipients", {"recipients": "i-min"}), ("recipients", {"recipients": ["i-min", "i-min"]}),
        ("attachment", {"attachment": {"filename": "a.txt", "content_base64": "***"}}),
        ("attachment", {"attachment": "x"}),
    ]
    for field, patch in bad_reports:
        body = dict(REPORT, **patch)
        e = assert_error(rail.post("/api/v1/incidents", json=body), 400)
        assert field in (e.get("field") or e["message"]), (field, e)
    assert_error(rail.post("/api/v1/incidents", data="{not json", headers={"Content-Type": "application/json"}), 400)
    assert_error(rail.post("/api/v1/incidents", json=[1, 2]), 400)
    # Illegal state changes and bad triage.
    for st in ("new", "monitoring", "coordinating", "bogus", "", None, 7):  # it is resolved now
        assert_error(coord.post("/api/v1/incidents/%s/state" % case, json={"state": st}), 400)
    for patch in ({"priority": "p9"}, {"class": "aliens"}, {"affects_event": "yes"}, {"title": "new title"},
                  {"assignee_team": 5}):
        assert_error(coord.patch("/api/v1/incidents/" + case, json=patch), 400)
    for body in ({"agency": "i-police", "kind": "advice"}, {"agency": "cc", "kind": "advice"},
                 {"agency": "i-agency", "kind": "pizza"}, {"agency": None, "kind": "advice"}):
        assert_error(coord.post("/api/v1/incidents/%s/support-requests" % case, json=body), 400)
    assert_error(rail.post("/api/v1/incidents/%s/events" % case, json={"body": "   "}), 400)
    # Forged ids.
    for bad in ("C-20990101-0001", "C-x", "20210724-000001", "..", "C-20210724-0001%27"):
        assert_error(coord.get("/api/v1/incidents/" + bad), 404)
    assert_error(coord.post("/api/v1/support-requests/99999/answer", json={"action": "accept"}), 404)
    assert_error(coord.get("/api/v1/support-requests/abc"), 404)
    assert_error(coord.get("/api/v1/upward-reports/U-nope.csv"), 404)
    assert_error(coord.post("/api/v1/upward-reports", json={"period": "noon", "date": "2021-07-24"}), 400)
    assert_error(coord.post("/api/v1/upward-reports", json={"period": "am", "date": "2021-02-30"}), 400)
    assert_error(coord.post("/api/v1/upward-reports", json={"period": "am", "date": "2021-07-24",
                                                             "incidents": ["C-20990101-0001"]}), 400)
    for q in ({"state": "open"}, {"class": "x"}, {"limit": "1000"}, {"cursor": "garbage"},
              {"affects_event": "maybe"}):
        assert_error(coord.get("/api/v1/incidents", params=q), 400)
    assert snapshot(coord, case) == before
    assert coord.get("/api/v1/incidents").json()["total"] == total


def test_reopen_and_close(apis, case):
    coord = apis["i-coord"]
    r = coord.post("/api/v1/incidents/%s/state" % case, json={"state": "triaged", "note": "再発"})
    assert r.status_code == 200 and r.json()["state"] == "triaged"
    r = coord.post("/api/v1/incidents/%s/state" % case, json={"state": "closed"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert_error(coord.post("/api/v1/incidents/%s/state" % case, json={"state": "resolved"}), 400)
