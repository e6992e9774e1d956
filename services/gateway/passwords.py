"""Operator tool: ``python -m services.gateway.passwords password`` (reads it without echo) prints a hash
for GATEWAY_USERS; ``python -m services.gateway.passwords device BRANCH KIOSK`` prints a new device key
(give it to the kiosk) and the GATEWAY_DEVICE_KEYS entry (keep it in the configuration)."""

from __future__ import annotations

import getpass
import json
import sys

from services.gateway.domain.passwords import device_key_digest, hash_password, new_device_key


def main(argv: list[str]) -> int:
    if argv[:1] == ["password"]:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        if len(password) < 10:
            print("refused: at least 10 characters", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    if argv[:1] == ["device"] and len(argv) == 3:
        key = new_device_key()
        print(
            json.dumps({"device_key": key, "entry": {device_key_digest(key): {"branch": argv[1], "kiosk_id": argv[2]}}})
        )
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
