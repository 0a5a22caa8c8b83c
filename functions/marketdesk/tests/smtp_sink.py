"""A local SMTP server for the e-mail test (tests/smtp.rs): aiosmtpd from PyPI, installed into
.venv by scripts/install-tools. Requires AUTH with the given user and password (over the plain
connection: loopback only) and appends every message it accepts to --out as one JSON line.

    python smtp_sink.py --port 2525 --user desk --password pw --out mails.jsonl
"""

import argparse
import json
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == args.password
        )
        return AuthResult(success=True, auth_data=auth_data) if ok else AuthResult(success=False, handled=False)

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            with open(args.out, "a", encoding="utf-8") as out:
                record = {
                    "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "data": envelope.content.decode("utf-8", "replace"),
                }
                out.write(json.dumps(record) + "\n")
            return "250 OK"

    controller = Controller(
        Sink(),
        hostname="127.0.0.1",
        port=args.port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
