"""A real SMTP server on loopback that refuses every recipient, echoing the address in its reply as many
servers do ("550 5.1.1 <x@y>: Recipient address rejected"). Prints "ready" once listening.

Usage: python3 smtp_reject.py PORT
"""
import asyncio
import sys

from aiosmtpd.controller import Controller


class Refuse:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown in {address}"


async def main(port):
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
