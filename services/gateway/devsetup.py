"""The gateway's part of ``branchops up``: demo logins for every role and registered devices, fresh per run.

Passwords and device keys are made here, printed once in the banner and never written anywhere; the
gateway gets only their hashes and digests (``GATEWAY_USERS``, ``GATEWAY_DEVICE_KEYS``), as in production.
"""

from __future__ import annotations

import json
import secrets

from branchops.plugins import DevRun, DevSetup
from services.gateway.domain.passwords import device_key_digest, hash_password, new_device_key

KIOSK_ID = "kiosk-1"
PAD_WINDOW = "g1"  # a window of the simulated branch that is open all day
PAD_ID = f"pad-{PAD_WINDOW}"
DISPLAY_ID = "display-1"
TELLER_WINDOW = "t1"  # a window the simulator does not drive: the demo teller opens it on the console
UPSTREAMS = ("queue", "staffing", "kyc", "voice", "records")  # the services the gateway calls (its *_url settings)
PEOPLE = (("manager", "manager"), ("teller", "teller"), ("head-office", "head_office"))


def dev_setup(run: DevRun) -> DevSetup:
    passwords = {login: secrets.token_urlsafe(9) for login, _ in PEOPLE}
    users = {
        login: {
            "password": hash_password(passwords[login]),
            "role": role,
            **({"branch": run.branch} if role != "head_office" else {}),
        }
        for login, role in PEOPLE
    }
    kiosk_key, pad_key, display_key = new_device_key(), new_device_key(), new_device_key()
    devices = {
        device_key_digest(kiosk_key): {"branch": run.branch, "kiosk_id": KIOSK_ID},
        device_key_digest(pad_key): {"branch": run.branch, "kiosk_id": PAD_ID},
        device_key_digest(display_key): {"branch": run.branch, "kiosk_id": DISPLAY_ID, "kind": "display"},
    }
    env = {
        "GATEWAY_USERS": json.dumps(users),
        "GATEWAY_DEVICE_KEYS": json.dumps(devices),
        "GATEWAY_BRANCHES": json.dumps([run.branch]),
        "GATEWAY_COOKIE_SECURE": "false",  # plain HTTP on loopback
        **{f"GATEWAY_{name.upper()}_URL": run.urls[name] for name in UPSTREAMS if name in run.urls},
    }
    base = run.urls["gateway"]
    banner = [
        f"  Open {base}/login and log in as (passwords of this run only):",
        *(f"    {login:<12} {passwords[login]:<14} {_role_page(role, base)}" for login, role in PEOPLE),
        f"  Kiosk ({run.branch}):          {base}/kiosk#device={kiosk_key}",
        f"  Rating pad (window {PAD_WINDOW}):   {base}/rate/{run.branch}/{PAD_WINDOW}#device={pad_key}",
        f"  Teller console:           {base}/teller  (log in as teller; pick a window, e.g. {TELLER_WINDOW})",
        f"  Calling display (TV):     {base}/display/{run.branch}#device={display_key}",
        "  Phone ticket page:        scan the QR code on a kiosk ticket (a public page, /t/<token>, no login)",
        f"    (device keys: kiosk {kiosk_key}  pad {pad_key}  display {display_key})",
    ]
    return DevSetup(env=env, banner=banner)


def _role_page(role: str, base: str) -> str:
    if role == "head_office":
        return f"head office: {base}/head-office"
    return f"branch dashboard: {base}/"
