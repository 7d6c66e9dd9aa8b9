"""Administration: organisations and people created in the admin pages,
disabling a person (sessions and keys end), role limits, and the audit log
(every change recorded; an organisation's people see rows about their
organisation and not others') (R1.2, R2.3, R5.5, R15)."""

import re

import pytest

from conftest import ADMIN_LOGIN, ADMIN_PASSWORD, PASSWORD


def setup_server(s):
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_org("beta-water", "Beta Water", kind="critical_service", sector="water")
    s.add_user("acme-boss", "acme-rail", org_admin=True)
    s.add_user("acme-worker", "acme-rail")
    s.add_user("beta-worker", "beta-water")
    s.add_user("doomed", "acme-rail")


@pytest.fixture(scope="module")
def admin(server):
    c, clock, codes = server.login_enrol(ADMIN_LOGIN, ADMIN_PASSWORD)
    c.clock = clock
    return c


def user_rows(server):
    rows = {}
    for line in server.cli("user list").stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows[parts[0]] = parts
    return rows


def test_admin_pages_need_rights(server):
    c = server.login("acme-worker")
    for path in ("/admin/orgs", "/admin/orgs/new", "/admin/applications", "/admin/people"):
        assert c.get(path).status_code == 403, path
    assert server.client().get("/admin/orgs").status_code in (302, 303)


def test_admin_creates_org(server, admin):
    r = admin.submit("/admin/orgs/new", {"slug": "new-gas", "name_ja": "新ガス", "name_en": "New Gas",
                                         "kind": "critical_service", "sector": "gas"},
                     action="/admin/orgs/new", has=("slug",))
    assert r.status_code == 303, r.text[:1000]
    assert "new-gas" in server.cli("org list").stdout
    pg = admin.page("/orgs/new-gas")
    assert pg.status == 200 and "New Gas" in pg.text


def test_admin_create_org_duplicate_slug(server, admin):
    r = admin.submit("/admin/orgs/new", {"slug": "acme-rail", "name_ja": "重複", "name_en": "Dup",
                                         "kind": "other"}, action="/admin/orgs/new", has=("slug",))
    assert r.status_code in (409, 422)
    assert "Dup" not in server.cli("org list").stdout


def test_admin_create_org_bad_slug(server, admin):
    for slug in ("", "UPPER", "has space", "../x", "a" * 200, "<script>"):
        r = admin.submit("/admin/orgs/new", {"slug": slug, "name_ja": "悪い", "name_en": "Bad",
                                             "kind": "other"}, action="/admin/orgs/new", has=("slug",))
        assert r.status_code in (400, 422), (slug, r.status_code)
        assert "<script>" not in r.text.replace("&lt;script&gt;", "")


def test_admin_creates_person_with_password(server, admin):
    r = admin.submit("/admin/people/new", {"org": "acme-rail", "login": "made-by-admin",
                                           "display_name": "Made By Admin",
                                           "email": "made@example.test", "role": "member",
                                           "password": "initial-password-42"},
                     action="/admin/people/new", has=("login",))
    assert r.status_code == 303, r.text[:1000]
    rows = user_rows(server)
    assert "made-by-admin" in rows and rows["made-by-admin"][1] == "acme-rail"
    c = server.login("made-by-admin", password="initial-password-42")
    assert c.logged_in()


def test_admin_create_person_duplicate_login(server, admin):
    r = admin.submit("/admin/people/new", {"org": "beta-water", "login": "acme-worker",
                                           "display_name": "Imposter", "email": "i@example.test",
                                           "role": "member"}, action="/admin/people/new", has=("login",))
    assert r.status_code in (409, 422)
    assert user_rows(server)["acme-worker"][1] == "acme-rail"


def test_org_admin_manages_own_org_only(server):
    boss = server.login("acme-boss")
    pg = boss.page("/admin/people")
    assert pg.status == 200
    assert "acme-worker" in pg.text
    assert "beta-worker" not in pg.text
    # Creating a person lands in the boss's own organisation, whatever
    # the form says.
    r = boss.submit("/admin/people/new", {"login": "boss-made", "display_name": "Boss Made",
                                          "email": "bm@example.test", "org": "beta-water",
                                          "password": "initial-password-43"},
                    action="/admin/people/new", has=("login",))
    assert r.status_code == 303
    assert user_rows(server)["boss-made"][1] == "acme-rail"
    # Disabling someone of another organisation is refused.
    csrf = boss.csrf("/admin/people")
    r = boss.post("/admin/people/beta-worker/status", data={"csrf": csrf, "active": "0"})
    assert r.status_code in (403, 404)
    assert server.login("beta-worker").logged_in()
    # An org-admin cannot make anyone a coordinator or admin.
    r = boss.post("/admin/people/acme-worker/role", data={"csrf": csrf, "role": "admin"})
    assert r.status_code in (400, 403, 422)
    assert user_rows(server)["acme-worker"][2] == "member"


def test_disable_person_ends_sessions_and_keys(server, admin):
    victim = server.login("doomed")
    key = server.apikey("doomed")
    api = server.api(key)
    assert api.get("/api/v1/me").status_code == 200
    pg = admin.page("/admin/people?org=acme-rail")
    f = pg.form(action="/admin/people/doomed/status")
    assert f.fields.get("active") == "0"
    r = admin.submit(pg, {}, action="/admin/people/doomed/status", has=("active",))
    assert r.status_code == 303
    assert not victim.logged_in(), "a disabled person's session must end"
    assert api.get("/api/v1/me").status_code == 401, "a disabled person's keys must stop working"
    r = server.client().submit("/login", {"login": "doomed", "password": PASSWORD}, action="/login")
    assert r.status_code != 303
    # History is kept: the person is still listed, as disabled.
    assert "doomed" in user_rows(server)


def test_admin_resets_password(server, admin):
    pg = admin.page("/admin/people?org=acme-rail")
    f = pg.form(action="/admin/people/made-by-admin/password")
    pw_field = [k for k in f.field_types if k.startswith("pw-") or k == "password"][0]
    r = admin.submit(pg, {pw_field: "reset-by-admin-77"}, action="/admin/people/made-by-admin/password",
                     has=(pw_field,))
    assert r.status_code == 303
    assert server.login("made-by-admin", password="reset-by-admin-77").logged_in()


def audit_text(c, query=""):
    pg = c.page("/admin/audit" + query)
    assert pg.status == 200
    return pg


def test_audit_log_records_admin_changes(server, admin):
    pg = audit_text(admin)
    assert "org.create" in pg.text or "new-gas" in pg.text
    assert "made-by-admin" in pg.text
    assert "doomed" in pg.text
    assert ADMIN_LOGIN in pg.text


def test_audit_log_filter(server, admin):
    pg = audit_text(admin, "?action=org.")
    assert "new-gas" in pg.text
    assert "made-by-admin" not in pg.text


def test_audit_log_is_per_org_for_members(server):
    acme = audit_text(server.login("acme-worker"))
    beta = audit_text(server.login("beta-worker"))
    # Rows about Acme (the disabled person, the admin-made person) are
    # visible to Acme's people and not to Beta's.
    assert "doomed" in acme.text and "made-by-admin" in acme.text
    assert "doomed" not in beta.text and "made-by-admin" not in beta.text
    assert "new-gas" not in acme.text


def test_audit_log_bad_filter(server, admin):
    r = admin.get("/admin/audit?from_date=not-a-date")
    assert r.status_code == 400
    r = admin.get("/admin/audit?cursor=%%%garbage")
    assert r.status_code in (400, 200)


def test_no_html_injection_in_admin_pages(server, admin):
    r = admin.submit("/admin/people/new", {"org": "acme-rail", "login": "xss-person",
                                           "display_name": "<img src=x onerror=alert(1)>",
                                           "email": "x@example.test", "role": "member",
                                           "password": "initial-password-44"},
                     action="/admin/people/new", has=("login",))
    assert r.status_code == 303
    for path in ("/admin/people?org=acme-rail", "/orgs/acme-rail", "/admin/audit"):
        text = admin.get(path).text
        assert "<img src=x" not in text, path
    assert re.search(r"&lt;img src=x", admin.get("/admin/people?org=acme-rail").text)
