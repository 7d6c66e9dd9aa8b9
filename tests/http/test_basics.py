"""Health, metrics, security headers, routing errors and languages."""

import re

from conftest import PASSWORD, Page, raw_http


def nosniff(r):
    # requests joins repeated headers with ", "; a repeat is harmless.
    vals = {v.strip().lower() for v in r.headers.get("X-Content-Type-Options", "").split(",")}
    return vals == {"nosniff"}


def setup_server(s):
    s.add_org("acme-rail", "Acme Rail", kind="critical_service", sector="railway")
    s.add_user("basic-member", "acme-rail")


def test_healthz(server):
    r = server.client().get("/healthz")
    assert r.status_code == 200
    assert r.text.strip() != ""
    # Never cached and never a page for people.
    assert "text/html" not in r.headers.get("Content-Type", "")


def test_metrics_prometheus_text_format(server):
    c = server.client()
    c.get("/login")
    r = c.get("/metrics")
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("text/plain")
    sample = re.compile(
        r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\""
        r"(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*\})? "
        r"[-+]?([0-9.]+([eE][-+]?[0-9]+)?|NaN|\+Inf|-Inf)( [0-9]+)?$")
    samples = 0
    for line in r.text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", line), line
            continue
        assert sample.match(line), "not a Prometheus sample: %r" % line
        samples += 1
    assert samples >= 1
    assert re.search(r"^kairan_", r.text, re.M), "metrics should be prefixed kairan_"


def test_security_headers_on_pages(server):
    r = server.client().get("/login")
    assert r.status_code == 200
    h = r.headers
    csp = h.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, csp
    assert "frame-ancestors 'none'" in csp or h.get("X-Frame-Options", "").upper() == "DENY", csp
    directives = {d.split()[0]: d for d in (x.strip() for x in csp.split(";")) if d}
    script = directives.get("script-src", directives.get("default-src", ""))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, csp
    assert nosniff(r)
    assert h.get("Referrer-Policy"), "Referrer-Policy missing"
    assert "text/html" in h.get("Content-Type", "") and "charset=utf-8" in h.get("Content-Type", "").lower()


def test_security_headers_on_errors_and_api(server):
    for path in ("/no-such-page", "/api/v1/me"):
        r = server.client().get(path)
        assert r.status_code in (401, 404)
        assert nosniff(r), path


def test_session_cookie_flags(server):
    c = server.client()
    r = c.submit("/login", {"login": "basic-member", "password": PASSWORD}, action="/login")
    assert r.status_code == 303
    cookies = [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]
    sess = [v for v in cookies if v.startswith("kr_session=")]
    assert sess, cookies
    attrs = sess[0].lower()
    assert "httponly" in attrs
    assert "samesite=strict" in attrs or "samesite=lax" in attrs
    assert "path=/" in attrs
    # Plain HTTP on loopback: no Secure flag (it would break the cookie).
    assert "secure" not in attrs.replace("samesite", "")


def test_pre_session_cookie_flags(server):
    r = server.client().get("/login")
    cookies = [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]
    pre = [v for v in cookies if v.startswith("kr_pre=")]
    assert pre, "anonymous forms need the kr_pre cookie: %r" % cookies
    assert "httponly" in pre[0].lower()
    assert "samesite=" in pre[0].lower()


def test_unknown_route_404(server):
    c = server.client()
    for path in ("/no-such-page", "/orgs/no-such-org/x/y", "/api/v1/nothing-here"):
        r = c.get(path)
        assert r.status_code in (401, 404), (path, r.status_code)
    r = c.get("/no-such-page")
    assert r.status_code == 404
    assert "text/html" in r.headers.get("Content-Type", "")


def test_api_unknown_route_is_json(server):
    key = server.apikey("basic-member")
    r = server.api(key).get("/api/v1/nothing-here")
    assert r.status_code == 404
    body = r.json()
    assert set(body["error"]) >= {"code", "message"}


def test_wrong_method_405(server):
    c = server.client()
    r = c.put("/login", data="x")
    assert r.status_code == 405
    assert "POST" in r.headers.get("Allow", "") or "GET" in r.headers.get("Allow", "")
    r = c.delete("/healthz")
    assert r.status_code == 405


def test_accept_language(server):
    ja = server.client(lang="ja").page("/login")
    en = server.client(lang="en").page("/login")
    assert ja.lang == "ja" and en.lang == "en"
    assert ja.text != en.text
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja.text.replace("回覧", "").replace("日本語", ""))
    q = server.client(lang="fr-CH, fr;q=0.9, en;q=0.8, ja;q=0.1").page("/login")
    assert q.lang == "en"


def test_language_switch_anonymous(server):
    c = server.client(lang="ja")
    assert c.page("/login").lang == "ja"
    r = c.submit("/login", {"lang": "en"}, action="/lang", has=("csrf",))
    assert r.status_code in (302, 303)
    assert c.page("/login").lang == "en"
    r = c.submit("/login", {"lang": "ja"}, action="/lang", has=("csrf",))
    assert c.page("/login").lang == "ja"


def test_language_switch_logged_in_is_kept(server):
    c = server.login("basic-member", lang="en")
    r = c.submit("/account", {"lang": "en"}, action="/lang", has=("csrf",))
    assert r.status_code in (302, 303)
    assert c.page("/account").lang == "en"
    r = c.submit("/account", {"lang": "ja"}, action="/lang", has=("csrf",))
    assert r.status_code in (302, 303)
    assert c.page("/account").lang == "ja"
    # The choice belongs to the person: a new session from an English
    # browser with no language cookie still gets Japanese.
    c2 = server.login("basic-member", lang="en")
    assert c2.page("/account").lang == "ja"
    c2.submit("/account", {"lang": "en"}, action="/lang", has=("csrf",))
    c3 = server.login("basic-member", lang="ja")
    assert c3.page("/account").lang == "en"


def test_assets_served_with_types(server):
    pg = server.client().get("/login")
    css = re.findall(r'href="(/assets/[^"]+\.css)"', pg.text)
    assert css, "the layout links a stylesheet"
    r = server.client().get(css[0])
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/css")
    assert nosniff(r)


def test_head_request(server):
    status, head, body = raw_http(server.port, b"HEAD /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200
    assert body == b""


def metric(text, name, **labels):
    """The value of one sample (0 when absent)."""
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.rpartition(" ")
        if "{" in key:
            n, _, rest = key.partition("{")
            got = ",".join(sorted(rest.rstrip("}").split(",")))
        else:
            n, got = key, ""
        if n == name and got == want:
            return float(value)
    return 0.0


def test_metrics_count_requests(server):
    c = server.client()
    before = c.get("/metrics").text
    for _ in range(7):
        assert c.get("/no-such-page-for-metrics").status_code == 404
    after = c.get("/metrics").text
    # Seven 404s (and the first /metrics) have been counted; the histogram
    # agrees with itself.
    grew = sum(metric(after, "kairan_http_requests_total", method="GET", status=s) -
               metric(before, "kairan_http_requests_total", method="GET", status=s)
               for s in ("4xx", "404"))
    assert grew >= 7, (before, after)
    count = metric(after, "kairan_http_request_duration_seconds_count")
    inf = metric(after, "kairan_http_request_duration_seconds_bucket", le="+Inf")
    assert count == inf and count >= 8
