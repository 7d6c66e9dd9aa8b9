"""The JSON API: API keys, /api/v1/me, orgs and people with cursors,
errors as {"error":{"code","message"}} (R0.4, R0.6)."""

import pytest

from conftest import ADMIN_LOGIN

N_ORGS = 23
N_PEOPLE = 17


def setup_server(s):
    for i in range(N_ORGS):
        s.add_org("org-%02d" % i, "Organisation %02d" % i, kind="critical_service", sector="finance")
    for i in range(N_PEOPLE):
        s.add_user("person-%02d" % i, "org-%02d" % (i % 3))
    s.add_user("api-user", "org-00", name="API User")
    s.add_user("api-gone", "org-01")


@pytest.fixture(scope="module")
def key(server):
    return server.apikey("api-user")


def oid(o):
    """An organisation's public id (its slug)."""
    return o.get("slug", o.get("id"))


@pytest.fixture(scope="module")
def admin_key(server):
    return server.apikey(ADMIN_LOGIN)


def assert_error(r, status):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    e = r.json()["error"]
    assert isinstance(e["code"], str) and e["code"]
    assert isinstance(e["message"], str) and e["message"]


def test_key_format(key):
    assert key.startswith("kr_") and len(key) >= 20


def test_me(server, key):
    r = server.api(key).get("/api/v1/me")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    me = r.json()
    assert me["login"] == "api-user"
    assert "password" not in r.text and "hash" not in r.text.lower()
    assert "org-00" in r.text


def test_no_key_401(server):
    assert_error(server.api(None).get("/api/v1/me"), 401)


def test_wrong_key_401(server, key):
    assert_error(server.api(key[:-4] + "AAAA").get("/api/v1/me"), 401)


def test_session_cookie_is_not_an_api_credential(server):
    c = server.login("api-user")
    r = c.get("/api/v1/me")
    assert r.status_code == 401


def test_orgs_paging(server, key):
    api = server.api(key)
    items, pages = api.all_items("/api/v1/orgs", limit=5)
    slugs = [oid(o) for o in items]
    assert len(slugs) == len(set(slugs)), "a cursor repeated an item"
    cli = {line.split("\t")[0] for line in server.cli("org list").stdout.splitlines() if line.strip()}
    # org list prints the slug first; the API shows the same set.
    assert set(slugs) == cli or set(slugs) >= {"org-%02d" % i for i in range(N_ORGS)}
    assert len(slugs) == N_ORGS + 1  # + the coordination center
    assert pages == -(-len(slugs) // 5)


def test_orgs_default_page_and_limits(server, key):
    api = server.api(key)
    r = api.get("/api/v1/orgs")
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"items", "next_cursor"}
    r = api.get("/api/v1/orgs", params={"limit": 1})
    assert len(r.json()["items"]) == 1 and r.json()["next_cursor"]
    for bad in ("0", "-1", "abc", "100000000000000000000"):
        r = api.get("/api/v1/orgs", params={"limit": bad})
        assert r.status_code in (200, 400), bad
        if r.status_code == 200:
            assert 1 <= len(r.json()["items"]) <= 1000


def test_bad_cursor_400(server, key):
    api = server.api(key)
    for bad in ("garbage", "%%%", "A" * 300, "eyJ4IjoxfQ"):
        assert_error(api.get("/api/v1/orgs", params={"cursor": bad}), 400)


def test_org_detail(server, key):
    api = server.api(key)
    r = api.get("/api/v1/orgs/org-03")
    assert r.status_code == 200
    o = r.json()
    assert oid(o) == "org-03"
    assert "Organisation 03" in r.text
    assert_error(api.get("/api/v1/orgs/no-such-org"), 404)


def test_people_paging(server, admin_key):
    api = server.api(admin_key)
    items, pages = api.all_items("/api/v1/people", limit=4)
    logins = [p["login"] for p in items]
    assert len(logins) == len(set(logins))
    expected = {"person-%02d" % i for i in range(N_PEOPLE)} | {"api-user", "api-gone"}
    assert expected <= set(logins)
    assert pages >= len(logins) // 4
    for p in items:
        assert "password" not in p and "password_hash" not in p and "totp_secret" not in p


def test_person_detail(server, admin_key):
    api = server.api(admin_key)
    r = api.get("/api/v1/people/person-04")
    assert r.status_code == 200
    assert r.json()["login"] == "person-04"
    assert_error(api.get("/api/v1/people/nobody-at-all"), 404)


def test_revoked_key(server):
    k = server.apikey("api-user", label="to-revoke")
    api = server.api(k)
    assert api.get("/api/v1/me").status_code == 200
    prefix = k.split("_")[1]
    server.cli("apikey revoke", prefix)
    assert_error(api.get("/api/v1/me"), 401)


def test_disabled_person_key(server):
    k = server.apikey("api-gone")
    api = server.api(k)
    assert api.get("/api/v1/me").status_code == 200
    server.cli("user disable", "api-gone")
    assert_error(api.get("/api/v1/me"), 401)


def test_key_created_in_web_ui(server):
    c = server.login("api-user")
    r = c.submit("/account", {"label": "from-the-ui"}, action="/account/apikeys", has=("label",))
    assert r.status_code in (200, 303)
    page = c.page(r.headers["Location"]) if r.status_code == 303 else None
    text = page.resp.text if page else r.text
    import re
    m = re.search(r"kr_[A-Za-z0-9]+_[A-Za-z0-9_-]+", text)
    assert m, "the new key is shown once"
    k = m.group(0)
    assert server.api(k).get("/api/v1/me").json()["login"] == "api-user"
    # Shown once only.
    assert k not in c.get("/account").text


def test_wrong_method_api_405(server, key):
    r = server.api(key).delete("/api/v1/me")
    assert_error(r, 405)


def test_member_sees_no_account_details_of_other_orgs(server, key):
    r = server.api(key).get("/api/v1/people/person-01")   # org-01, another organisation
    assert r.status_code in (200, 404)
    if r.status_code == 200:
        assert "last_login_at" not in r.json() and "totp_enabled" not in r.json()


def test_audit_paging_and_scope(server, key, admin_key):
    # The admin sees every row, newest first, paged without repeats.
    rows, pages = server.api(admin_key).all_items("/api/v1/audit", limit=7)
    ids = [a["id"] for a in rows]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    assert pages >= 2
    assert {a["target_org"] for a in rows} >= {"org-00", "org-01"}
    # A member sees the rows about their own organisation and no other's.
    mine, _ = server.api(key).all_items("/api/v1/audit", limit=50)
    assert mine, "the rows about org-00 (people added to it) are visible to its people"
    assert {a["target_org"] for a in mine} == {"org-00"}
    r = server.api(key).get("/api/v1/audit", params={"org": "org-01"})
    assert r.status_code in (200, 403, 404)
    if r.status_code == 200:
        assert r.json()["items"] == []


def test_audit_bad_dates(server, admin_key):
    for bad in ("yesterday", "2020-13-45", "%00"):
        assert_error(server.api(admin_key).get("/api/v1/audit", params={"from": bad}), 400)
