"""CSRF: every state-changing form needs the token; a missing or wrong one
gets 403 and changes nothing (R2.2)."""

from conftest import PASSWORD


def setup_server(s):
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_user("csrf-user", "acme-rail", name="Original Name")
    s.add_user("csrf-other", "acme-rail")


def display_name(c):
    pg = c.page("/account")
    return pg.form(action="/account", has=("display_name",)).fields["display_name"]


def test_profile_change_without_token(server):
    c = server.login("csrf-user")
    assert display_name(c) == "Original Name"
    r = c.submit("/account", {"display_name": "Hacked"}, action="/account", has=("display_name",),
                 drop=("csrf",))
    assert r.status_code == 403
    assert display_name(c) == "Original Name"


def test_profile_change_with_wrong_token(server):
    c = server.login("csrf-user")
    r = c.submit("/account", {"display_name": "Hacked", "csrf": "A" * 43}, action="/account",
                 has=("display_name",))
    assert r.status_code == 403
    assert display_name(c) == "Original Name"


def test_token_of_another_session_is_refused(server):
    other = server.login("csrf-other")
    stolen = other.csrf("/account")
    c = server.login("csrf-user")
    r = c.submit("/account", {"display_name": "Hacked", "csrf": stolen}, action="/account",
                 has=("display_name",))
    assert r.status_code == 403
    assert display_name(c) == "Original Name"


def test_profile_change_with_token_works(server):
    # The control: the same request with the right token goes through,
    # so the 403s above are about the token and nothing else.
    c = server.login("csrf-user")
    r = c.submit("/account", {"display_name": "New Name"}, action="/account", has=("display_name",))
    assert r.status_code == 303
    assert display_name(c) == "New Name"
    c.submit("/account", {"display_name": "Original Name"}, action="/account", has=("display_name",))


def test_logout_needs_token(server):
    c = server.login("csrf-user")
    r = c.post("/logout", data={})
    assert r.status_code == 403
    assert c.logged_in()
    r = c.post("/logout", data={"csrf": "wrong"})
    assert r.status_code == 403
    assert c.logged_in()


def test_logout_all_needs_token(server):
    c = server.login("csrf-user")
    r = c.post("/account/logout-all", data={})
    assert r.status_code == 403
    assert c.logged_in()


def test_apikey_create_needs_token(server):
    c = server.login("csrf-user")
    before = c.get("/account").text.count("kr_")
    r = c.post("/account/apikeys", data={"label": "sneaky"})
    assert r.status_code == 403
    assert "sneaky" not in c.get("/account").text
    assert c.get("/account").text.count("kr_") == before


def test_anonymous_login_form_needs_token(server):
    c = server.client()
    c.get("/login")  # sets kr_pre
    r = c.post("/login", data={"login": "csrf-user", "password": PASSWORD})
    assert r.status_code == 403
    assert "kr_session" not in c.cookies
    r = c.post("/login", data={"login": "csrf-user", "password": PASSWORD, "csrf": "x" * 43})
    assert r.status_code == 403
    assert "kr_session" not in c.cookies


def test_anonymous_token_without_cookie_is_refused(server):
    c = server.client()
    token = c.csrf("/login")
    bare = server.client()  # no kr_pre cookie
    r = bare.post("/login", data={"login": "csrf-user", "password": PASSWORD, "csrf": token})
    assert r.status_code == 403


def test_lang_switch_needs_token(server):
    c = server.client(lang="en")
    c.get("/login")
    r = c.post("/lang", data={"lang": "ja"})
    assert r.status_code == 403
    assert c.page("/login").lang == "en"
