"""Logging in and out, TOTP (optional and required), recovery codes,
log out everywhere."""

import re
import time

import pytest

from conftest import ADMIN_LOGIN, ADMIN_PASSWORD, PASSWORD, TotpClock, totp


def setup_server(s):
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_user("alice", "acme-rail")
    s.add_user("otto", "acme-rail")      # enrols TOTP voluntarily
    s.add_user("lena", "acme-rail")      # log out everywhere
    s.add_user("coord", "cc", role="coordinator")


def test_login_and_logout(server):
    c = server.login("alice")
    pg = c.page("/")
    assert pg.status == 200
    assert "alice" in pg.text.lower() or "Alice" in pg.text
    r = c.submit("/", {}, action="/logout", has=("csrf",))
    assert r.status_code == 303
    assert "/login" in r.headers["Location"]
    # The cookie is gone from the jar and the old token is dead too.
    assert not c.logged_in()


def test_old_session_token_is_dead_after_logout(server):
    c = server.login("alice")
    token = c.cookies.get("kr_session")
    assert token
    c.submit("/", {}, action="/logout", has=("csrf",))
    thief = server.client()
    thief.cookies.set("kr_session", token)
    r = thief.get("/account")
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]


def test_wrong_password_is_refused(server):
    c = server.client()
    r = c.submit("/login", {"login": "alice", "password": "not-the-password"}, action="/login")
    assert r.status_code in (401, 422, 200)
    assert r.status_code != 303
    assert "kr_session" not in c.cookies or not c.logged_in()
    # The login form is shown again with an error, login kept.
    assert 'value="alice"' in r.text


def test_unknown_login_looks_like_wrong_password(server):
    a = server.client().submit("/login", {"login": "alice", "password": "nope-nope-nope"}, action="/login")
    b = server.client().submit("/login", {"login": "nobody-here", "password": "nope-nope-nope"}, action="/login")
    assert a.status_code == b.status_code

    def norm(text, login):
        text = text.replace(login, "X")
        return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf"', text)
    assert norm(a.text, "alice") == norm(b.text, "nobody-here")


def test_empty_fields(server):
    r = server.client().submit("/login", {"login": "", "password": ""}, action="/login")
    assert r.status_code in (400, 422)


def test_account_needs_login(server):
    r = server.client().get("/account")
    assert r.status_code in (302, 303)
    assert r.headers["Location"].startswith("/login")


def test_next_parameter_is_local_only(server):
    c = server.client()
    pg = c.page("/login?next=https://evil.example/")
    r = c.submit(pg, {"login": "alice", "password": PASSWORD}, action="/login")
    assert r.status_code == 303
    loc = r.headers["Location"]
    assert loc.startswith("/") and not loc.startswith("//"), loc
    c2 = server.client()
    pg = c2.page("/login?next=/orgs")
    r = c2.submit(pg, {"login": "alice", "password": PASSWORD}, action="/login")
    assert r.headers["Location"] == "/orgs"


def test_coordinator_must_enrol_totp(server):
    c = server.client()
    r = c.submit("/login", {"login": "coord", "password": PASSWORD}, action="/login")
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/totp/enrol")
    # Until enrolled, the session reaches nothing else.
    r = c.get("/orgs")
    assert r.status_code in (302, 303, 403)
    r = c.get("/account")
    assert r.status_code in (302, 303, 403)
    clock, codes = server.enrol(c)
    assert c.logged_in()
    assert len(codes) >= 5, "recovery codes are shown once after enrolment"
    server.coord_clock, server.coord_codes = clock, codes


def test_coordinator_second_login_asks_totp(server):
    clock = server.coord_clock
    c = server.client()
    r = c.submit("/login", {"login": "coord", "password": PASSWORD}, action="/login")
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/login/totp")
    assert not c.logged_in()
    # A wrong code is refused.
    good = totp(clock.secret)
    bad = "%06d" % ((int(good) + 500000) % 1000000)
    r = c.submit("/login/totp", {"code": bad}, action="/login/totp")
    assert r.status_code in (401, 422)
    assert not c.logged_in()
    r = c.submit("/login/totp", {"code": clock.code()}, action="/login/totp")
    assert r.status_code == 303
    assert c.logged_in()


def test_recovery_code_is_single_use(server):
    code = server.coord_codes[0]
    c = server.client()
    c.submit("/login", {"login": "coord", "password": PASSWORD}, action="/login")
    r = c.submit("/login/totp", {"code": code}, action="/login/totp")
    assert r.status_code == 303, r.text[:500]
    assert c.logged_in()
    c2 = server.client()
    c2.submit("/login", {"login": "coord", "password": PASSWORD}, action="/login")
    r = c2.submit("/login/totp", {"code": code}, action="/login/totp")
    assert r.status_code in (401, 422)
    assert not c2.logged_in()


def test_totp_code_cannot_be_replayed(server):
    clock = server.coord_clock
    c = server.client()
    c.submit("/login", {"login": "coord", "password": PASSWORD}, action="/login")
    code = clock.code()
    assert c.submit("/login/totp", {"code": code}, action="/login/totp").status_code == 303
    c2 = server.client()
    c2.submit("/login", {"login": "coord", "password": PASSWORD}, action="/login")
    r = c2.submit("/login/totp", {"code": code}, action="/login/totp")
    assert r.status_code in (401, 422)


def test_admin_must_enrol_totp(server):
    c, clock, codes = server.login_enrol(ADMIN_LOGIN, ADMIN_PASSWORD)
    assert c.page("/admin").status == 200


def test_member_totp_is_optional(server):
    c = server.login("otto")            # no second factor asked
    pg = c.page("/totp/enrol")
    assert pg.status == 200
    secret = pg.ids.get("totp-secret", "").strip().replace(" ", "")
    assert secret
    # A wrong code does not enable it.
    wrong = "%06d" % ((int(totp(secret)) + 333333) % 1000000)
    r = c.submit(pg, {"code": wrong}, action="/totp/enrol")
    assert r.status_code in (401, 422)
    c2 = server.client()
    r = c2.submit("/login", {"login": "otto", "password": PASSWORD}, action="/login")
    assert r.headers["Location"] == "/", "a refused enrolment must not turn TOTP on"
    # Now enrol for real (the page carries its secret in the form).
    clock, codes = server.enrol(c)
    assert codes
    c3 = server.client()
    r = c3.submit("/login", {"login": "otto", "password": PASSWORD}, action="/login")
    assert r.headers["Location"].startswith("/login/totp")
    r = c3.submit("/login/totp", {"code": clock.code()}, action="/login/totp")
    assert r.status_code == 303 and c3.logged_in()


def test_log_out_everywhere(server):
    a = server.login("lena")
    b = server.login("lena")
    key = server.apikey("lena")
    r = a.submit("/account", {}, action="/account/logout-all", has=("csrf",))
    assert r.status_code == 303
    assert not a.logged_in()
    assert not b.logged_in()
    # API keys are credentials of their own: they survive a logout.
    assert server.api(key).get("/api/v1/me").status_code == 200


@pytest.mark.skip(reason="idle (2 h) and absolute (12 h) session expiry cannot be tested in real time")
def test_session_idle_expiry():
    pass


@pytest.mark.skip(reason="absolute session expiry (12 h) cannot be tested in real time")
def test_session_absolute_expiry():
    pass
