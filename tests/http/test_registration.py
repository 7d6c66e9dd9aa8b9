"""Joining (R1.3): an organisation applies, the coordination center
approves, the invitation link sets a password, the new person logs in; an
org-admin invites a colleague."""

import re

import pytest

from conftest import PASSWORD


def setup_server(s):
    s.add_user("reg-coord", "cc", role="coordinator")
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_user("acme-boss", "acme-rail", org_admin=True)
    s.add_user("acme-plain", "acme-rail")


@pytest.fixture(scope="module")
def coord(server):
    c, clock, codes = server.login_enrol("reg-coord")
    return c


def invite_token(page_or_text):
    text = page_or_text if isinstance(page_or_text, str) else page_or_text.text
    m = re.search(r"/invite/([A-Za-z0-9_-]{16,})", text)
    assert m, "no invitation link shown"
    return m.group(1)


def apply(server, **over):
    fields = {"org_name_ja": "新規鉄道", "org_name_en": "Newcomer Rail", "kind": "critical_service",
              "sector": "railway", "contact_name": "Taro Newcomer", "contact_email": "taro@newcomer.example",
              "login": "taro", "message": "We run trains.", "terms": "1"}
    fields.update(over)
    c = server.client()
    return c, c.submit("/register", fields, action="/register", has=("org_name_ja",))


def test_register_needs_terms(server):
    c, r = apply(server, terms="", login="no-terms", org_name_en="No Terms Inc")
    assert r.status_code == 422


def test_register_bad_email(server):
    c, r = apply(server, contact_email="not-an-email", login="bad-mail", org_name_en="Bad Mail Inc")
    assert r.status_code == 422


def test_application_approve_invite_login(server, coord):
    c, r = apply(server)
    assert r.status_code == 303, r.text[:1000]
    # The coordinator sees it and approves with a slug.
    pg = coord.page("/admin/applications")
    assert "Newcomer Rail" in pg.text
    f = [f for f in pg.forms if f.action.endswith("/approve")]
    assert f, "an approve form"
    slug_field = [k for k in f[0].fields if k.startswith("slug")][0]
    r = coord.submit(pg, {slug_field: "newcomer-rail"}, action=f[0].action, has=(slug_field,))
    assert r.status_code in (200, 303), r.text[:1000]
    from conftest import Page
    done = Page(r) if r.status_code == 200 else coord.page(r.headers["Location"])
    token = invite_token(done.ids.get("invite-link") or done.text)
    assert "newcomer-rail" in server.cli("org list").stdout
    # The applicant opens the link, sets a password, logs in.
    new = server.client()
    inv = new.page("/invite/" + token)
    assert inv.status == 200
    assert "taro@newcomer.example" in inv.text
    r = new.submit(inv, {"login": "taro", "display_name": "Taro Newcomer",
                         "password": "taro-password-123", "password2": "taro-password-123"},
                   action="/invite/")
    assert r.status_code == 303, r.text[:1000]
    c = server.login("taro", password="taro-password-123")
    assert c.page("/account").status == 200
    rows = {l.split("\t")[0]: l.split("\t") for l in server.cli("user list").stdout.splitlines()}
    assert rows["taro"][1] == "newcomer-rail"
    # The link is single use.
    again = server.client()
    r = again.get("/invite/" + token)
    assert r.status_code in (404, 410)


def test_unknown_invitation_404(server):
    r = server.client().get("/invite/" + "A" * 43)
    assert r.status_code in (404, 410)


def test_invitation_password_mismatch(server):
    boss = server.login("acme-boss")
    r = boss.submit("/admin/people", {"email": "mismatch@acme.example"},
                    action="/admin/orgs/acme-rail/invite", has=("email",))
    token = invite_token(r.text)
    new = server.client()
    r = new.submit("/invite/" + token, {"login": "mismatch", "display_name": "M",
                                        "password": "one-password-123", "password2": "two-password-123"},
                   action="/invite/")
    assert r.status_code == 422
    assert "mismatch" not in server.cli("user list").stdout


def test_org_admin_invites_colleague(server):
    boss = server.login("acme-boss")
    r = boss.submit("/admin/people", {"email": "hanako@acme.example", "role": "member"},
                    action="/admin/orgs/acme-rail/invite", has=("email",))
    assert r.status_code == 200, r.text[:1000]
    token = invite_token(r.text)
    new = server.client()
    r = new.submit("/invite/" + token, {"login": "hanako", "display_name": "Hanako",
                                        "password": PASSWORD, "password2": PASSWORD}, action="/invite/")
    assert r.status_code == 303
    c = server.login("hanako")
    assert c.logged_in()
    rows = {l.split("\t")[0]: l.split("\t") for l in server.cli("user list").stdout.splitlines()}
    assert rows["hanako"][1] == "acme-rail"
    assert rows["hanako"][2] == "member"


def test_org_admin_cannot_invite_into_other_org(server):
    boss = server.login("acme-boss")
    csrf = boss.csrf("/admin/people")
    r = boss.post("/admin/orgs/cc/invite", data={"csrf": csrf, "email": "sneak@example.test",
                                                  "role": "member"})
    assert r.status_code in (403, 404)
    assert "/invite/" not in r.text


def test_org_admin_cannot_invite_coordinator(server):
    boss = server.login("acme-boss")
    csrf = boss.csrf("/admin/people")
    r = boss.post("/admin/orgs/acme-rail/invite", data={"csrf": csrf, "email": "up@example.test",
                                                         "role": "coordinator"})
    assert r.status_code in (400, 403, 422)
    assert "/invite/" not in r.text


def test_plain_member_cannot_invite(server):
    c = server.login("acme-plain")
    csrf = c.csrf("/account")
    r = c.post("/admin/orgs/acme-rail/invite", data={"csrf": csrf, "email": "x@example.test",
                                                      "role": "member"})
    assert r.status_code == 403


def test_coordinator_rejects_application(server, coord):
    c, r = apply(server, login="reject-me", org_name_en="Reject Me Ltd", org_name_ja="却下",
                 contact_email="r@reject.example")
    assert r.status_code == 303
    pg = coord.page("/admin/applications")
    forms = [f for f in pg.forms if f.action.endswith("/reject")]
    assert forms
    r = coord.submit(pg, {"note": "not eligible"}, action=forms[-1].action, has=("note",))
    assert r.status_code == 303
    assert "Reject Me Ltd" not in server.cli("org list").stdout
