"""A real SMTP server on loopback for the tests (aiosmtpd): each message received is parsed with Python's
email package and written as one JSON file {to, mail_from, from, subject, text, html, attachments, headers} in the folder given,
then renamed into place so that readers never see half a file. Prints "ready" once listening.

Usage: python3 smtp_sink.py PORT FOLDER
SMTP_SINK_REJECT="a@x,b@y" makes it refuse those recipients for good (550 5.1.1 at RCPT, as a server whose
mailbox does not exist), any case; every other recipient is accepted as usual.
SMTP_SINK_RAW=1 writes only {to, mail_from, size} (no MIME parsing: the benchmark's sink, whose Python must
not be what is measured).
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


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


async def main(port, folder):
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
