"""Fixtures for Kairan's HTTP tests: the real server on a loopback port.

Nothing is built here: scripts/test.sh builds build/asan/kairan first
(KAIRAN_BIN overrides the binary).  Each test module gets a fresh database
(a SQLite file, or a new database on the PostgreSQL server named by
KAIRAN_TEST_PG_URL when KAIRAN_TEST_DB=postgres), set up with `kairan init`
and the CLI, and its own `kairan serve`.  The server's stderr is watched: a
sanitizer report (ASan, LSan, UBSan) fails the test during which it
appeared, and the server must exit 0 on SIGTERM at the end of the module.
"""

import base64
import hashlib
import hmac
import html.parser
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KAIRAN_BIN = os.environ.get("KAIRAN_BIN", os.path.join(ROOT, "build", "asan", "kairan"))
ENGINE = os.environ.get("KAIRAN_TEST_DB", "sqlite")
PG_URL = os.environ.get("KAIRAN_TEST_PG_URL", "")

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin-password-for-tests-1"
PASSWORD = "correct-horse-battery-9"

SANITIZER_RE = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
    r"SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)"
)


# --- small helpers -----------------------------------------------------------------


# KAIRAN_* settings (KAIRAN_CONFIG, KAIRAN_SMTP_URL ...) of the shell that
# started pytest: they must not change the server under test.  Settings a
# test puts into os.environ itself (a mail sink's URL) are passed on.
_OUTER_SETTINGS = {k: v for k, v in os.environ.items()
                   if k.startswith("KAIRAN_")
                   and not k.startswith(("KAIRAN_TEST", "KAIRAN_BIN", "KAIRAN_KEEP"))}


def server_env():
    """The environment for kairan: the current one without the outer
    shell's KAIRAN_* settings, with leak-checking ASan unless the caller
    chose options."""
    env = {k: v for k, v in os.environ.items() if _OUTER_SETTINGS.get(k) != v}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
    return env



def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(secret_b32, at=None, step_offset=0, digits=6, period=30):
    """RFC 6238 TOTP (SHA-1) computed with the standard library."""
    s = secret_b32.strip().replace(" ", "").upper()
    s += "=" * (-len(s) % 8)
    key = base64.b32decode(s)
    counter = int((time.time() if at is None else at) // period) + step_offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


class TotpClock:
    """Hands out TOTP codes for one secret so that no code is used twice.

    A server that refuses replays accepts each time step once; the window
    is +-1 step, so the next step is used when the current one is spent and
    the test waits only when both are."""

    def __init__(self, secret):
        self.secret = secret
        self.last = None

    def code(self):
        while True:
            now = int(time.time() // 30)
            for step in (now, now + 1):
                if self.last is None or step > self.last:
                    self.last = step
                    return totp(self.secret, at=step * 30)
            time.sleep(max(0.2, (now + 1) * 30 - time.time() + 0.2))


class Form:
    def __init__(self, action, method, attrs):
        self.action = action
        self.method = method
        self.attrs = attrs
        self.fields = {}      # name -> value (first one wins)
        self.field_types = {}
        self.selects = {}     # name -> [option values]

    def __repr__(self):
        return "Form(%r, %r, %r)" % (self.method, self.action, sorted(self.fields))


class PageParser(html.parser.HTMLParser):
    """Collects forms, links, ids and visible text of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.links = []
        self.ids = {}
        self.text = []
        self.html_lang = None
        self._form = None
        self._select = None
        self._id_stack = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag in ("script", "style"):
            self._skip += 1
        if "id" in a:
            self.ids.setdefault(a["id"], "")
            self._id_stack.append((tag, a["id"]))
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "get").lower(), a)
            self.forms.append(self._form)
        elif tag in ("input", "textarea", "button") and self._form is not None:
            name = a.get("name")
            if name is None:
                return
            typ = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if typ in ("checkbox", "radio") and "checked" not in a:
                self._form.field_types.setdefault(name, typ)
                return
            if typ == "submit":
                return
            self._form.fields.setdefault(name, a.get("value", ""))
            self._form.field_types.setdefault(name, typ)
        elif tag == "select" and self._form is not None:
            self._select = a.get("name")
            self._form.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            v = a.get("value")
            if v is not None:
                self._form.selects[self._select].append(v)
                if "selected" in a or self._select not in self._form.fields:
                    self._form.fields[self._select] = v

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None
        if self._id_stack and self._id_stack[-1][0] == tag:
            self._id_stack.pop()

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        for _, i in self._id_stack:
            self.ids[i] += data


class Page:
    def __init__(self, resp):
        self.resp = resp
        self.status = resp.status_code
        self.url = resp.url
        p = PageParser()
        p.feed(resp.text)
        self.forms = p.forms
        self.links = p.links
        self.ids = p.ids
        self.lang = p.html_lang
        self.text = " ".join(" ".join(p.text).split())

    def form(self, *, action=None, has=()):
        """The first form whose action contains `action` and which has
        every field named in `has`."""
        for f in self.forms:
            if action is not None and action not in f.action:
                continue
            if all(h in f.fields or h in f.field_types for h in has):
                return f
        raise AssertionError(
            "no form (action=%r, has=%r) on %s (status %s); forms: %r"
            % (action, has, self.url, self.status, self.forms))


class Client(requests.Session):
    """A browser-like session against one server: relative URLs, no
    automatic redirects unless asked, and form submission that carries
    the page's hidden fields (the CSRF token among them)."""

    def __init__(self, base):
        super().__init__()
        self.base = base
        self.headers["User-Agent"] = "kairan-http-tests"
        self.headers["Accept-Language"] = "en"

    def request(self, method, url, *args, **kw):
        if url.startswith("/"):
            url = self.base + url
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        return super().request(method, url, *args, **kw)

    # requests.Session.get/options/head force their own allow_redirects
    # default; redirects are part of what these tests check, so never
    # follow them unless asked.
    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def options(self, url, **kw):
        return self.request("OPTIONS", url, **kw)

    def head(self, url, **kw):
        return self.request("HEAD", url, **kw)

    def page(self, path, **kw):
        kw.setdefault("allow_redirects", True)
        return Page(self.get(path, **kw))

    def submit(self, page_path, data=None, *, action=None, has=(), drop=(), **kw):
        """GET page_path, pick a form, fill it with `data` over its own
        fields (hidden ones kept), POST it.  `drop` removes fields (e.g.
        "csrf").  Returns the raw response (redirects not followed)."""
        pg = page_path if isinstance(page_path, Page) else self.page(page_path)
        f = pg.form(action=action, has=has or tuple((data or {}).keys())[:1])
        fields = dict(f.fields)
        fields.update(data or {})
        for d in drop:
            fields.pop(d, None)
        target = urllib.parse.urljoin(pg.url, f.action or pg.url)
        if f.method == "get":
            return self.get(target, params=fields, **kw)
        return self.post(target, data=fields, **kw)

    def csrf(self, path="/account"):
        """The CSRF token shown on a page (hidden field `csrf`)."""
        pg = self.page(path)
        for f in pg.forms:
            if "csrf" in f.fields:
                return f.fields["csrf"]
        raise AssertionError("no csrf field on %s" % path)

    def logged_in(self):
        r = self.get("/account")
        return r.status_code == 200

    def api(self, key):
        """A fresh requests.Session sending `Authorization: Bearer key`."""
        s = ApiClient(self.base, key)
        return s


class ApiClient(requests.Session):
    def __init__(self, base, key):
        super().__init__()
        self.base = base
        if key is not None:
            self.headers["Authorization"] = "Bearer " + key
        self.headers["Accept"] = "application/json"

    def request(self, method, url, *args, **kw):
        if url.startswith("/"):
            url = self.base + url
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        return super().request(method, url, *args, **kw)

    # requests.Session.get/options/head force their own allow_redirects
    # default; redirects are part of what these tests check, so never
    # follow them unless asked.
    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def options(self, url, **kw):
        return self.request("OPTIONS", url, **kw)

    def head(self, url, **kw):
        return self.request("HEAD", url, **kw)

    def all_items(self, path, limit=None, max_pages=1000):
        """Follow next_cursor through a list; returns (items, pages)."""
        items, pages, cursor = [], 0, None
        while True:
            params = {}
            if limit:
                params["limit"] = limit
            if cursor:
                params["cursor"] = cursor
            r = self.get(path, params=params)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            body = r.json()
            assert isinstance(body.get("items"), list), body
            items.extend(body["items"])
            pages += 1
            cursor = body.get("next_cursor")
            if not cursor:
                return items, pages
            assert pages < max_pages, "cursor never ends"


def sql(server, statement):
    """Write straight into the site's database from another process (as an
    operator or another node would), on either engine."""
    if server.db.startswith("postgres"):
        subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-X", "-d", server.db, "-c", statement],
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return
    con = sqlite3.connect(server.db, timeout=30)
    try:
        con.execute(statement)
        con.commit()
    finally:
        con.close()


def raw_http(port, data, timeout=10):
    """Send raw bytes, return (status or None, headers text, body bytes).
    For requests that requests/urllib3 would refuse or normalise."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except (socket.timeout, ConnectionResetError):
            pass
    resp = b"".join(chunks)
    head, _, body = resp.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(m.group(1)) if m else None), head.decode("latin-1"), body


# --- the server ---------------------------------------------------------------------


class Server:
    def __init__(self, workdir, name):
        self.workdir = workdir
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, "server.stderr")
        self.pg_dbname = None
        if ENGINE == "postgres":
            if not PG_URL:
                raise RuntimeError("KAIRAN_TEST_DB=postgres needs KAIRAN_TEST_PG_URL")
            self.pg_dbname = "kt_%s_%s" % (re.sub(r"\W", "_", name)[-30:].lower(),
                                          secrets.token_hex(4))
            self._psql("CREATE DATABASE %s" % self.pg_dbname)
            self.db = self._pg_url_for(self.pg_dbname)
        else:
            self.db = os.path.join(workdir, "kairan.db")

    # PostgreSQL: one database per module on the shared test server.
    def _pg_url_for(self, dbname):
        u = urllib.parse.urlsplit(PG_URL)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))

    def _psql(self, sql):
        subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-X", "-d", self._pg_url_for("postgres"),
                        "-c", sql], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)

    def drop(self):
        if self.pg_dbname:
            try:
                self._psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_dbname)
            except subprocess.CalledProcessError:
                pass

    # The command line, against this server's database.
    def cli(self, command, *args, input=None, check=True, timeout=120):
        """Run `kairan COMMAND --db DB ARGS...`; COMMAND may be several
        words ("user add").  Returns the CompletedProcess (text)."""
        argv = [KAIRAN_BIN] + command.split() + ["--db", self.db] + list(args)
        p = subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout, env=server_env())
        self._check_sanitizers(p.stderr, "kairan " + command)
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(argv), p.returncode,
                                                          p.stdout, p.stderr))
        return p

    def add_org(self, slug, name_en, kind="critical_service", sector=None, name_ja=None):
        args = ["--slug", slug, "--name-ja", name_ja or (name_en + "（日本語）"),
                "--name-en", name_en, "--kind", kind]
        if sector:
            args += ["--sector", sector]
        return self.cli("org add", *args)

    def add_user(self, login, org, role="member", org_admin=False, password=PASSWORD, name=None,
                 email=None):
        args = ["--login", login, "--org", org, "--email", email or (login + "@example.test"),
                "--name", name or login.capitalize(), "--role", role, "--password-stdin"]
        if org_admin:
            args.append("--org-admin")
        return self.cli("user add", *args, input=password + "\n")

    def apikey(self, login, label="tests"):
        p = self.cli("apikey create", "--user", login, "--label", label)
        key = p.stdout.strip().splitlines()[-1].strip()
        assert key, "apikey create printed nothing"
        return key

    def init(self):
        self.cli("init", "--admin-login", ADMIN_LOGIN, "--admin-email", "admin@example.test",
                 "--admin-password-stdin", input=ADMIN_PASSWORD + "\n")

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        for _attempt in range(3):
            self.port = free_port()
            self.log = open(self.log_path, "ab")
            env = server_env()
            self.proc = subprocess.Popen(
                [KAIRAN_BIN, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port],
                stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env)
            deadline = time.time() + 60
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    r = requests.get(self.base + "/healthz", timeout=2)
                    if r.status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("kairan serve did not answer /healthz within 60 s:\n" +
                                   self.stderr_tail())
            self.log.close()
            if "in use" not in self.stderr_tail():
                break
        raise RuntimeError("kairan serve exited with %s at start:\n%s" %
                           (self.proc.returncode, self.stderr_tail()))

    def stop(self):
        """SIGTERM; the server must finish and exit 0 within 30 s."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.log.close()
                raise AssertionError("kairan serve ignored SIGTERM for 30 s\n" + self.stderr_tail())
        self.log.close()
        rc = self.proc.returncode
        self.proc = None
        text = self.stderr_text()
        self._check_sanitizers(text, "kairan serve")
        if rc != 0:
            raise AssertionError("kairan serve exited %s after SIGTERM:\n%s" % (rc, text[-4000:]))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self, start=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stderr_size(self):
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def stderr_tail(self, n=4000):
        return self.stderr_text()[-n:]

    @staticmethod
    def _check_sanitizers(text, what):
        m = SANITIZER_RE.search(text or "")
        if m:
            start = max(0, m.start() - 200)
            raise AssertionError("sanitizer report from %s:\n%s" % (what, text[start:start + 6000]))

    # Clients
    def client(self, lang="en"):
        c = Client(self.base)
        c.headers["Accept-Language"] = lang
        return c

    def api(self, key):
        return ApiClient(self.base, key)

    def login(self, login, password=PASSWORD, totp_clock=None, lang="en"):
        """A Client logged in through the forms.  When the account needs a
        second factor, `totp_clock` supplies the code."""
        c = self.client(lang)
        r = c.submit("/login", {"login": login, "password": password}, action="/login")
        assert r.status_code in (302, 303), \
            "login %s: status %s\n%s" % (login, r.status_code, r.text[:2000])
        loc = r.headers.get("Location", "")
        if "/login/totp" in loc:
            assert totp_clock is not None, "login %s asks for a TOTP code" % login
            r = c.submit("/login/totp", {"code": totp_clock.code()}, action="/login/totp")
            assert r.status_code in (302, 303), "totp for %s: %s" % (login, r.status_code)
        elif "/totp/enrol" in loc:
            raise AssertionError("login %s needs TOTP enrolment; use enrol()" % login)
        assert c.logged_in(), "login %s did not give a working session" % login
        return c

    def enrol(self, client):
        """Enrol TOTP for a client whose login redirected to /totp/enrol.
        Returns (TotpClock, recovery codes)."""
        pg = client.page("/totp/enrol")
        assert pg.status == 200, pg.status
        secret = pg.ids.get("totp-secret", "").strip().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), "no #totp-secret on the page: %r" % secret
        clock = TotpClock(secret)
        r = client.submit(pg, {"code": clock.code()}, action="/totp/enrol")
        assert r.status_code in (200, 303), r.status_code
        done = client.page(r.headers["Location"]) if r.status_code == 303 else Page(r)
        codes = re.findall(r"\b[a-z0-9]{4,6}(?:-[a-z0-9]{4,6})+\b", done.text, re.I)
        return clock, codes

    def login_enrol(self, login, password=PASSWORD, lang="en"):
        """Log in an account that must enrol TOTP (coordinator/admin).
        Returns (client, TotpClock, recovery codes)."""
        c = self.client(lang)
        r = c.submit("/login", {"login": login, "password": password}, action="/login")
        assert r.status_code in (302, 303), r.status_code
        assert "/totp/enrol" in r.headers.get("Location", ""), r.headers.get("Location")
        clock, codes = self.enrol(c)
        assert c.logged_in(), "enrolled %s but not logged in" % login
        return c, clock, codes


@pytest.fixture(scope="module")
def server(request):
    """A fresh database with `kairan init` done and a running server."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    workdir = tempfile.mkdtemp(prefix="kairan-http-%s-" % name)
    s = Server(workdir, name)
    try:
        s.init()
        setup = getattr(request.module, "setup_server", None)
        if setup:
            setup(s)
        s.start()
        yield s
        s.stop()
    finally:
        if s.proc and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        s.drop()
        if not os.environ.get("KAIRAN_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _watch_server(request):
    """Fail the test during which the server crashed or printed a
    sanitizer report."""
    if "server" not in request.fixturenames:
        yield
        return
    s = request.getfixturevalue("server")
    start = s.stderr_size()
    yield
    Server._check_sanitizers(s.stderr_text(start), "kairan serve")
    if not s.alive():
        pytest.fail("kairan serve died during the test:\n" + s.stderr_tail())
