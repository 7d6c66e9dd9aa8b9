"""Hostile and broken input gets a clean 4xx and changes nothing (R2.4)."""

import pytest

from conftest import ADMIN_LOGIN, PASSWORD, raw_http


def setup_server(s):
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_user("bad-input", "acme-rail", name="Steady Name")


@pytest.fixture(scope="module")
def before(server):
    """What must still be true after every test here."""
    return server.cli("user list").stdout


@pytest.fixture(autouse=True)
def nothing_changed(server, before):
    yield
    assert server.cli("user list").stdout == before
    assert server.client().get("/healthz").status_code == 200


def login_form(c):
    return c.page("/login").form(action="/login", has=("csrf",)).fields


def test_malformed_urlencoded(server):
    c = server.client()
    f = login_form(c)
    body = "csrf=%s&login=%%ZZbad&password=%%" % f["csrf"]
    r = c.post("/login", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert "kr_session" not in c.cookies


def test_invalid_utf8_in_form(server):
    c = server.client()
    f = login_form(c)
    body = "csrf=%s&login=bad-input%%FF%%FE&password=%s" % (f["csrf"], PASSWORD)
    r = c.post("/login", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 422)
    assert "kr_session" not in c.cookies


def test_invalid_utf8_in_profile(server):
    c = server.login("bad-input")
    csrf = c.csrf("/account")
    body = "csrf=%s&display_name=%%C3%%28broken&email=bad-input%%40example.test" % csrf
    r = c.post("/account", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 422)
    assert "Steady Name" in c.get("/account").text


def test_form_too_large_413(server):
    c = server.client()
    f = login_form(c)
    r = c.post("/login", data={"csrf": f["csrf"], "login": "bad-input", "password": "x" * (2 << 20)})
    assert r.status_code == 413


def test_body_on_get_only_route(server):
    c = server.client()
    r = c.post("/healthz", data="x" * 100)
    assert r.status_code in (405, 413)


@pytest.fixture(scope="module")
def admin_key(server):
    return server.apikey(ADMIN_LOGIN)


def test_body_too_large_api_413(server, admin_key):
    r = server.api(admin_key).post("/api/v1/orgs", data=b"{" + b" " * (16 << 20) + b"}",
                                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code
    assert r.json()["error"]["code"]


def test_huge_header(server):
    status, _, _ = raw_http(server.port, b"GET /login HTTP/1.1\r\nHost: x\r\nX-Big: " +
                            b"a" * 200000 + b"\r\nConnection: close\r\n\r\n")
    assert status in (400, 413, 431, None)


def test_many_headers(server):
    hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(5000))
    status, _, _ = raw_http(server.port, b"GET /login HTTP/1.1\r\nHost: x\r\n" + hdrs +
                            b"Connection: close\r\n\r\n")
    assert status in (200, 400, 413, 431, None)


def test_huge_url(server):
    status, _, _ = raw_http(server.port, b"GET /orgs?q=" + b"a" * 200000 +
                            b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status in (400, 413, 414, 431, None)


def test_garbage_request_line(server):
    status, _, _ = raw_http(server.port, b"\x00\xff\xfeNOT HTTP AT ALL\r\n\r\n")
    assert status in (400, 505, None)


@pytest.mark.parametrize("path", [
    b"/assets/../../../../etc/passwd",
    b"/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/assets/..%2f..%2f..%2fetc%2fpasswd",
    b"/assets/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
    b"/../../../../etc/passwd",
    b"/orgs/..%2f..%2fetc%2fpasswd",
])
def test_path_traversal(server, path):
    status, head, body = raw_http(server.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status in (302, 303, 400, 404), (path, status)
    assert b"root:" not in body


@pytest.mark.parametrize("path", ["/orgs/%00", "/orgs/%FF%FE", "/assets/%00.css", "/%C0%AE%C0%AE/"])
def test_bad_bytes_in_path(server, path):
    c = server.login("bad-input")
    r = c.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)


def test_bad_query_encoding(server):
    c = server.login("bad-input")
    r = c.get("/orgs?q=%ZZ%")
    assert r.status_code in (200, 400)
    r = c.get("/orgs?q=%FF%FE")
    assert r.status_code in (200, 400)


def test_garbage_session_cookie(server):
    c = server.client()
    c.cookies.set("kr_session", "garbage\x7f" * 3)
    r = c.get("/account")
    assert r.status_code in (302, 303)
    c.cookies.set("kr_session", "A" * 5000)
    r = c.get("/account")
    assert r.status_code in (302, 303, 400, 431)


@pytest.mark.parametrize("auth", ["Bearer", "Bearer ", "Bearer kr_", "Bearer kr_x_y",
                                  "Bearer " + "k" * 5000, "Basic Zm9vOmJhcg==", "bearer"])
def test_bad_authorization(server, auth):
    r = server.api(None).get("/api/v1/me", headers={"Authorization": auth})
    assert r.status_code in (400, 401, 431)
    if r.status_code == 401:
        assert r.json()["error"]["code"]


def test_malformed_json(server, admin_key):
    api = server.api(admin_key)
    for body in (b"{", b"[1,2", b"\xff\xfe", b'{"a":' * 10000, b"null", b"[]", b'"x"',
                 b'{"slug": "json-bad", "name_en": "\xc3\x28", "name_ja": "x", "kind": "other"}',
                 b'{"slug": "json-bad", "slug": "json-bad2", "name_en": "a", "name_ja": "x", "kind": "other"}',
                 b'{"slug": 5, "name_en": "a", "name_ja": "x", "kind": "other"}',
                 b'{"slug": "json\\u0000bad", "name_en": "a", "name_ja": "x", "kind": "other"}'):
        r = api.post("/api/v1/orgs", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 415, 422), (body[:40], r.status_code)
        assert r.json()["error"]["code"]
    assert "json-bad" not in server.cli("org list").stdout


def test_member_cannot_post_api(server):
    key = server.apikey("bad-input")
    r = server.api(key).post("/api/v1/orgs", json={"slug": "member-made", "name_en": "M",
                                                   "name_ja": "M", "kind": "other"})
    assert r.status_code == 403
    assert "member-made" not in server.cli("org list").stdout


def test_wrong_content_type(server):
    c = server.client()
    f = login_form(c)
    r = c.post("/login", data=b'{"login":"bad-input"}', headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 403, 415)
    del f


def test_multipart_garbage(server):
    c = server.client()
    r = c.post("/login", data=b"--xx\r\nContent-Disposition: form-data; name=\"login\"\r\n\r\nbad",
               headers={"Content-Type": "multipart/form-data; boundary=xx"})
    assert r.status_code in (400, 403)


def test_slowloris_does_not_block_others(server):
    import socket
    socks = []
    try:
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
        r = server.client().get("/healthz", timeout=10)
        assert r.status_code == 200
    finally:
        for s in socks:
            s.close()
