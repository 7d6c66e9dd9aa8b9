"""Notifications by mail through a real SMTP sink (issue 3, R8): must-read
and important topics, the daily digest, and the rule that mail never
carries TLP:RED or AMBER content (R8.2), on both engines."""

import os

import pytest

from conftest import free_port
from smtp_sink import SmtpSink

SECRET_TITLE = "秘密の障害情報 AMBERTITLE"
SECRET_BODY = "本文の詳細 AMBERBODY 192.0.2.77"


@pytest.fixture(scope="module")
def sink():
    with SmtpSink(free_port()) as s:
        yield s


@pytest.fixture(scope="module")
def env_smtp(sink):
    old = os.environ.get("KAIRAN_SMTP_URL")
    os.environ["KAIRAN_SMTP_URL"] = sink.url
    os.environ["KAIRAN_MAIL_FROM"] = "kairan@cc.example"
    yield
    if old is None:
        os.environ.pop("KAIRAN_SMTP_URL", None)
    else:
        os.environ["KAIRAN_SMTP_URL"] = old
    os.environ.pop("KAIRAN_MAIL_FROM", None)


@pytest.fixture(scope="module")
def mailsrv(env_smtp, server):
    # `server` starts after env_smtp set the SMTP URL, so its worker mails.
    return server


def setup_server(s):
    s.add_org("m-rail", "Mail Rail", kind="critical_service", sector="railway")
    s.add_org("m-min", "Mail Ministry", kind="ministry")
    s.add_org("m-other", "Mail Other", kind="venue")
    s.add_user("m-coord", "cc", role="coordinator")
    s.add_user("m-rail1", "m-rail")
    s.add_user("m-min1", "m-min")
    s.add_user("m-other1", "m-other")


def recipients(msgs):
    return sorted(r for m in msgs for r in m["to"])


def test_mustread_amber_mail_carries_no_content(mailsrv, sink):
    key = mailsrv.apikey("m-coord")
    api = mailsrv.api(key)
    r = api.post("/api/v1/topics", json={
        "community": "professional", "title": SECRET_TITLE, "tag": "important",
        "category": "alert", "tlp": "amber", "body": SECRET_BODY, "scope": "manual",
        "scope_orgs": ["m-rail", "m-min"], "must_read": True})
    assert r.status_code == 201, r.text
    msgs = sink.wait_for(lambda m: len(m) >= 2)
    assert [r.strip("<>") for r in recipients(msgs)] == ["m-min1@example.test", "m-rail1@example.test"]
    for m in msgs:
        assert "AMBERTITLE" not in m["subject"]
        assert "AMBERTITLE" not in m["body"] and "AMBERBODY" not in m["body"]
        assert "192.0.2.77" not in m["body"]
        assert "/topics/" in m["body"]          # only a link
        assert "TLP:AMBER" in m["subject"] + m["body"]
        assert b"AMBERTITLE" not in m["raw"]


def test_digest_arrives_without_amber_body(mailsrv, sink):
    before = len(sink.messages())
    key = mailsrv.apikey("m-coord", label="digest")
    api = mailsrv.api(key)
    r = api.post("/api/v1/topics", json={
        "community": "general", "title": "公開の注意喚起 GREENTITLE", "category": "alert",
        "tlp": "green", "body": "誰でも読める本文"})
    assert r.status_code == 201, r.text
    p = mailsrv.cli("jobs digest")
    assert p.returncode == 0
    msgs = sink.wait_for(lambda m: len(m) >= before + 4)[before:]
    digests = [m for m in msgs if "GREENTITLE" in m["body"]]
    got = sorted(m["to"][0].strip("<>") for m in digests)
    assert {"m-rail1@example.test", "m-min1@example.test", "m-other1@example.test"} <= set(got)
    for m in digests:
        assert "AMBERTITLE" not in m["body"] and "AMBERBODY" not in m["body"]
    other = [m for m in digests if "m-other1" in m["to"][0]][0]
    assert "TLP:AMBER" not in other["body"]     # m-other1 does not even learn of it
    rail = [m for m in digests if "m-rail1" in m["to"][0]][0]
    assert "TLP:AMBER" in rail["body"] and "/topics/" in rail["body"]
