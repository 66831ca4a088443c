"""A real SMTP server on loopback for the tests: aiosmtpd, each message saved as an .eml file.

Usage: python3 smtp_sink.py PORT DIR
"""
import asyncio
import os
import sys
import time

from aiosmtpd.controller import Controller


class SaveToDir:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.folder, f"{time.time_ns()}-{self.count}.eml")
        tmp = name + ".part"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, name)  # readers never see half a message
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(SaveToDir(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp sink listening on 127.0.0.1:{port}", flush=True)
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
