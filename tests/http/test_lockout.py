"""Lockout after repeated failures and per-address throttling (R2.1).
Its own module (and server): throttling is per client address, and every
test here comes from 127.0.0.1."""

from conftest import PASSWORD

LOCKED = (423, 429, 403)


def setup_server(s):
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_user("victim", "acme-rail")
    s.add_user("bystander", "acme-rail")


def bad_login(c, login):
    return c.submit("/login", {"login": login, "password": "wrong-password-123"}, action="/login")


def test_lockout_after_five_failures(server):
    c = server.client()
    for i in range(5):
        r = bad_login(c, "victim")
        assert r.status_code in (401, 422), (i, r.status_code)
    # Even the right password is refused now, with a different message.
    r = c.submit("/login", {"login": "victim", "password": PASSWORD}, action="/login")
    assert r.status_code in LOCKED, r.status_code
    assert r.status_code != 303
    assert not c.logged_in()
    # A fresh client (new pre-session) is refused too: the lock is on the
    # account, not the browser.
    c2 = server.client()
    r = c2.submit("/login", {"login": "victim", "password": PASSWORD}, action="/login")
    assert r.status_code in LOCKED


def test_lockout_does_not_hit_other_accounts(server):
    c = server.login("bystander")
    assert c.logged_in()


def test_locked_account_api_key_still_works(server):
    # Lockout defends the password; an admin-issued key is unaffected.
    key = server.apikey("victim")
    assert server.api(key).get("/api/v1/me").status_code == 200


def test_reset_password_by_cli_unlocks(server):
    server.cli("user reset-password", "victim", "--password-stdin", input="a-brand-new-password-7\n")
    c = server.login("victim", password="a-brand-new-password-7")
    assert c.logged_in()


def test_throttling_per_address(server):
    # Many failures against many logins from one address: the server must
    # start refusing with 429 before it has checked 60 passwords.
    c = server.client()
    statuses = []
    for i in range(60):
        r = bad_login(c, "nobody-%d" % i)
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    assert 429 in statuses, statuses
    assert r.headers.get("Retry-After") is None or r.headers["Retry-After"].isdigit()
