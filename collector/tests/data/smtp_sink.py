"""A real SMTP server on loopback for the tests (aiosmtpd): each message received is parsed with Python's
email package and written as one JSON file {to, mail_from, from, subject, text, html, attachments, headers} in the folder given,
then renamed into place so that readers never see half a file. Prints "ready" once listening.

Usage: python3 smtp_sink.py PORT FOLDER
SMTP_SINK_REJECT="a@x,b@y" makes it refuse those recipients for good (550 5.1.1 at RCPT, as a server whose
mailbox does not exist), any case; every other recipient is accepted as usual.
SMTP_SINK_TLS_CERT and SMTP_SINK_TLS_KEY (PEM files) make it require STARTTLS; SMTP_SINK_AUTH="user:password" makes
it require AUTH (PLAIN or LOGIN, only after STARTTLS) with those credentials and refuse others (535). Each message
then also records "tls" (whether STARTTLS was done) and "login" (the user signed in).
SMTP_SINK_RAW=1 writes only {to, mail_from, size} (no MIME parsing: the benchmark's sink, whose Python must
not be what is measured).
"""
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.reject = {a.strip().lower() for a in os.environ.get("SMTP_SINK_REJECT", "").split(",") if a.strip()}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 Recipient address rejected: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if os.environ.get("SMTP_SINK_RAW") == "1":
            self.write({"to": envelope.rcpt_tos, "mail_from": envelope.mail_from, "size": len(envelope.content)})
            return "250 OK"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {
            "to": envelope.rcpt_tos,
            "mail_from": envelope.mail_from,
            "from": str(message["from"]),
            "subject": str(message["subject"]),
            "text": "",
            "html": "",
            "tls": session.ssl is not None,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
        }
        parts["attachments"] = []
        parts["headers"] = [[name, str(value)] for name, value in message.items()]
        for part in message.walk():
            if part.get_content_disposition() == "attachment":
                content = part.get_payload(decode=True).decode("utf-8", errors="replace")
                parts["attachments"].append(
                    {"filename": part.get_filename(), "content_type": part.get_content_type(), "content": content}
                )
            elif part.get_content_type() == "text/plain":
                parts["text"] = part.get_content()
            elif part.get_content_type() == "text/html":
                parts["html"] = part.get_content()
        self.write(parts)
        return "250 OK"

    def write(self, parts):
        self.count += 1
        path = os.path.join(self.folder, f"{os.getpid()}-{self.count:04}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(parts, f)
        os.replace(path + ".tmp", path)


def check_credentials(expected):
    user, _, password = expected.partition(":")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        # handled=False: aiosmtpd then answers the refusal itself (535), as a real relay does.
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    return authenticator


async def main(port, folder):
    options = {}
    if os.environ.get("SMTP_SINK_TLS_CERT"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.environ["SMTP_SINK_TLS_CERT"], os.environ["SMTP_SINK_TLS_KEY"])
        options.update(tls_context=context, require_starttls=True)
    if os.environ.get("SMTP_SINK_AUTH"):
        options.update(
            authenticator=check_credentials(os.environ["SMTP_SINK_AUTH"]), auth_required=True, auth_require_tls=True
        )
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
