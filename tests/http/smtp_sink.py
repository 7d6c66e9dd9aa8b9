"""A real SMTP server on a loopback port (Debian's python3-aiosmtpd) that
keeps every message it receives, for the mail tests."""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": str(msg["subject"]),
                "body": msg.get_body(preferencelist=("plain",)).get_content(),
                "raw": envelope.content,
            })
        return "250 OK"


class SmtpSink:
    def __init__(self, port):
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port)
        self.port = port

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def wait_for(self, pred, timeout=30):
        """Wait until pred(messages) is true; return the messages."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            msgs = self.messages()
            if pred(msgs):
                return msgs
            time.sleep(0.2)
        return self.messages()
