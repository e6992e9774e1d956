"""Who may call what: one row per endpoint of every service (DESIGN.md sections 4 and 7).

Derived from the contract: every endpoint but health (and the kiosk page) needs a credential; kiosks
issue and read tickets and run KYC and voice for customers; tellers work windows and tickets; managers
run the branch (cameras, alerts, plans); head office reads across branches but changes nothing at a
counter; services (other BranchOps services, integrations) may do what staff do. Where DESIGN.md is
silent the row records the routes' declared dependency, so a change of policy is a visible change here.

A new endpoint without a row fails ``test_every_endpoint_has_a_row``: add the row in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from branchops.settings import Role

K, T, M, H, S = Role.KIOSK, Role.TELLER, Role.MANAGER, Role.HEAD_OFFICE, Role.SERVICE
PUBLIC = None


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[Role] | None  # None: no credential needed
    why: str = ""
    credential: str = "key"  # how the probe presents a role: key (X-API-Key), cookie (bo_session JWT), token-query
    anonymous: int = 401  # the answer without a credential (browser pages redirect to the login page)


def rule(*roles: Role, why: str = "", credential: str = "key", anonymous: int = 401) -> Rule:
    return Rule(frozenset(roles), why, credential, anonymous)


OPEN = Rule(PUBLIC, "operations endpoint (health, readiness, metrics, OpenAPI); no credential by design")
PLATFORM = {
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    # architecture.md lists metrics as open; DESIGN.md section 7 names only health and the kiosk page.
    ("GET", "/metrics"): OPEN,
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
    ("GET", "/v1/whoami"): rule(K, T, M, H, S, why="callers check whom an address belongs to (readiness)"),
}
B = "/v1/branches/{branch_id}"
SC = "/v1/sandbox-core/branches/{branch_id}"

ACCESS: dict[str, dict[tuple[str, str], Rule]] = {
    "queue": {
        **PLATFORM,
        ("POST", f"{B}/tickets"): rule(K, T, M, S, why="kiosks, tellers and the voice hand-off issue tickets"),
        ("GET", "/v1/public/tickets/{token}"): Rule(PUBLIC, "the phone page: the ticket's token is the credential"),
        ("PUT", "/v1/public/tickets/{token}/contact"): Rule(PUBLIC, "the phone page: the token is the credential"),
        ("DELETE", "/v1/public/tickets/{token}/contact"): Rule(PUBLIC, "the phone page: the token is the credential"),
        ("POST", "/v1/public/tickets/{token}/cancel"): Rule(PUBLIC, "the phone page: the token is the credential"),
        ("GET", f"{B}/tickets/{{ticket_id}}"): rule(K, T, M, H, S),
        # probed with action=complete: kiosks may only cancel, head office acts on nothing
        ("POST", f"{B}/tickets/{{ticket_id}}/{{action}}"): rule(T, M, S),
        ("PATCH", f"{B}/tickets/{{ticket_id}}/form"): rule(T, M, why="the teller corrects a prepared form"),
        ("PUT", f"{B}/windows/{{window_id}}"): rule(T, M, S),
        ("POST", f"{B}/windows/{{window_id}}/call-next"): rule(T, M, S),
        ("POST", f"{B}/windows/{{window_id}}/undo-call"): rule(T, M, S, why="a teller takes back a mistaken call"),
        ("GET", f"{B}/windows/{{window_id}}/directed"): rule(T, M, H, S, why="staff view: customers sent to a window"),
        ("GET", f"{B}/queue"): rule(T, M, H, S, why="staff view; kiosks show a ticket's own wait"),
        ("PUT", f"{B}/cameras/{{camera_id}}"): rule(M, S),
        ("GET", f"{B}/cameras/{{camera_id}}"): rule(M, H, S),
        ("GET", f"{B}/cameras/{{camera_id}}/debug.mjpeg"): rule(M, why="frames with people: managers only"),
        ("GET", f"{B}/appointments/slots"): rule(K, T, M, H, S, why="free places: no personal data"),
        ("GET", f"{B}/appointments/expected"): rule(
            K, T, M, H, S, why="counts per slot for planning: no personal data"
        ),
        ("POST", f"{B}/appointments"): rule(K, T, M, S, why="booked at the kiosk, the counter or by a service"),
        ("POST", f"{B}/appointments/check-in"): rule(K, T, M, S, why="the customer arrives: kiosk or counter"),
        ("GET", f"{B}/appointments/{{appointment_id}}"): rule(K, T, M, H, S, why="the contact is never shown"),
        ("POST", f"{B}/appointments/{{appointment_id}}/cancel"): rule(
            T, M, S, why="staff by id; the customer cancels by code (public)"
        ),
        ("GET", "/v1/public/appointments/{code}"): Rule(PUBLIC, "the customer's page: the code is the credential"),
        ("POST", "/v1/public/appointments/{code}/cancel"): Rule(PUBLIC, "the code is the credential"),
    },
    "staffing": {
        **PLATFORM,
        ("POST", "/v1/plans:solve"): rule(M, H, S),
        ("PUT", f"{B}/instance"): rule(M, H, S),
        ("GET", f"{B}/plan"): rule(T, M, H, S),
        ("GET", f"{B}/alerts"): rule(T, M, H, S),
        ("POST", f"{B}/alerts/{{alert_id}}/ack"): rule(M, why="a person acknowledges, by name"),
        ("GET", f"{B}/ticket-counts"): rule(M, H, S),
    },
    "kyc": {
        **PLATFORM,
        ("POST", "/v1/kyc/sessions"): rule(K, T, M, S),
        ("GET", "/v1/kyc/sessions/{session_id}"): rule(K, T, M, H, S, why="masked view; head office audits"),
        ("DELETE", "/v1/kyc/sessions/{session_id}"): rule(K, T, M, S),
        ("POST", "/v1/kyc/sessions/{session_id}/documents"): rule(K, T, M, S),
        ("POST", "/v1/kyc/sessions/{session_id}/selfie"): rule(K, T, M, S),
        ("POST", "/v1/kyc/merchant-cases"): rule(K, T, M, S, why="merchant onboarding: the applicant's steps"),
        ("GET", "/v1/kyc/merchant-cases/{case_id}"): rule(K, T, M, H, S, why="masked view"),
        ("POST", "/v1/kyc/merchant-cases/{case_id}/licence"): rule(K, T, M, S),
        ("POST", "/v1/kyc/merchant-cases/{case_id}/id-card"): rule(K, T, M, S),
        ("POST", "/v1/kyc/merchant-cases/{case_id}/challenge"): rule(K, T, M, S),
        ("POST", "/v1/kyc/merchant-cases/{case_id}/selfie"): rule(K, T, M, S),
        ("GET", "/v1/kyc/merchant-cases/{case_id}/review"): rule(M, why="the officer (manager) sees fields in full"),
        ("POST", "/v1/kyc/merchant-cases/{case_id}/decision"): rule(M, why="the officer decides, by name (audited)"),
        ("GET", "/v1/kyc/merchant-cases/{case_id}/documents/{document}"): rule(
            M, why="the officer sees the case's documents (retained images only; audited)"
        ),
        ("GET", "/v1/kyc/branches/{branch_id}/merchant-cases"): rule(M, why="the officer's list of cases"),
        ("POST", "/v1/ocr/id-card"): rule(K, T, M, S),
        ("POST", "/v1/ocr/business-licence"): rule(K, T, M, S),
        ("POST", "/v1/face/verify"): rule(K, T, M, S),
    },
    "voice": {
        **PLATFORM,
        ("WS", "/v1/asr"): rule(K, T, M, S),
        ("WS", "/v1/dialogue"): rule(K, T, M, S),
        ("POST", f"{B}/dialogue/sessions"): rule(K, T, M, S),
        ("POST", f"{B}/dialogue/sessions/{{session_id}}/turns"): rule(K, T, M, S),
        ("POST", f"{B}/dialogue/sessions/{{session_id}}/pin"): rule(
            K, T, M, S, why="the kiosk's PIN keypad for a PIN change (the core checks the customer's identity)"
        ),
        ("POST", "/v1/nlu"): rule(K, T, M, S),
        ("POST", "/v1/tts"): rule(K, T, M, S),
    },
    "gateway": {
        **PLATFORM,
        ("MOUNT", "/static"): Rule(PUBLIC, "page assets"),
        ("GET", "/kiosk"): Rule(PUBLIC, "the kiosk page (DESIGN.md section 7)"),
        ("GET", "/login"): Rule(PUBLIC, "the login page"),
        ("POST", "/v1/auth/login"): Rule(PUBLIC, "the body is the credential"),
        ("POST", "/v1/auth/device"): Rule(PUBLIC, "X-Device-Key is the credential"),
        ("POST", "/v1/auth/logout"): Rule(PUBLIC, "forgets a cookie"),
        ("GET", "/"): rule(T, M, H, S, credential="cookie", anonymous=303, why="dashboard page"),
        ("GET", "/head-office"): rule(H, S, credential="cookie", anonymous=303),
        ("GET", "/v1/auth/me"): rule(K, T, M, H, S),
        ("GET", f"{B}/dashboard"): rule(T, M, H, S),
        ("GET", f"{B}/alerts"): rule(T, M, H, S),
        ("POST", f"{B}/alerts/{{alert_id}}/ack"): rule(M),
        ("GET", f"{B}/queue"): rule(T, M, H, S),
        ("POST", f"{B}/windows/{{window_id}}/call-next"): rule(T, M, S, why="as in queue: head office calls no one"),
        ("GET", f"{B}/stream"): rule(K, T, M, H, S, why="live events of a branch (kiosks get their filtered view)"),
        ("GET", "/v1/stream"): rule(H, S, why="every branch at once"),
        ("GET", "/v1/head-office/branches"): rule(H, S),
        ("GET", "/v1/head-office/branches/{branch_id}"): rule(H, S),
        ("GET", "/v1/head-office/replay"): rule(H, S),
        ("POST", f"{B}/tickets"): rule(K, T, M, S),
        ("GET", f"{B}/tickets/{{ticket_id}}"): rule(K, T, M, S),
        ("POST", "/v1/kyc/sessions"): rule(K, T, M, S),
        ("GET", "/v1/kyc/sessions/{session_id}"): rule(K, T, M, S),
        ("POST", "/v1/kyc/sessions/{session_id}/documents"): rule(K, T, M, S),
        ("POST", "/v1/kyc/sessions/{session_id}/selfie"): rule(K, T, M, S),
        ("POST", f"{B}/dialogue/sessions"): rule(K, T, M, S),
        ("POST", f"{B}/dialogue/sessions/{{session_id}}/turns"): rule(K, T, M, S),
        ("WS", "/v1/dialogue"): rule(K, T, M, credential="token-query", why="browsers: JWT in the query or cookie"),
        ("GET", f"{B}/dialogue/status"): rule(K, T, M, S, why="the kiosk asks whether speech is recognised"),
        ("GET", "/rate/{branch_id}/{window_id}"): Rule(
            PUBLIC, "the window's rating pad page; its calls need the device key"
        ),
        ("GET", "/teller"): rule(T, M, S, credential="cookie", anonymous=303, why="teller console page"),
        ("GET", "/display/{branch_id}"): Rule(PUBLIC, "the calling display page; its calls need the device key"),
        ("GET", f"{B}/windows/{{window_id}}/console"): rule(T, M, S, why="the teller console of a window"),
        ("PUT", f"{B}/windows/{{window_id}}"): rule(T, M, S, why="a teller opens or closes the console's window"),
        ("POST", f"{B}/windows/{{window_id}}/tickets/{{ticket_id}}/{{action}}"): rule(
            T, M, S, why="the console's actions on its window's customer"
        ),
        ("POST", f"{B}/windows/{{window_id}}/undo-call"): rule(T, M, S, why="take back a mistaken call"),
        ("PATCH", f"{B}/windows/{{window_id}}/tickets/{{ticket_id}}/form"): rule(
            T, M, why="the console corrects its customer's prepared form"
        ),
        ("GET", f"{B}/display"): rule(
            K, T, M, S, why="the calling display (a device) and staff; numbers and waits only"
        ),
        ("POST", f"{B}/display/announce"): rule(K, T, M, S, why="the display's spoken calls (voice service TTS)"),
        ("GET", f"{B}/windows/{{window_id}}/rating"): rule(
            K, S, why="the pad (a device); staff do not rate themselves"
        ),
        ("POST", f"{B}/windows/{{window_id}}/rating"): rule(
            K, S, why="the pad (a device); staff do not rate themselves"
        ),
        ("GET", "/config"): rule(M, H, S, credential="cookie", anonymous=303, why="the configuration page"),
        ("GET", "/reports"): rule(M, H, S, credential="cookie", anonymous=303, why="the reports page"),
        ("GET", "/officer"): rule(M, credential="cookie", anonymous=303, why="merchant onboarding review page"),
        ("GET", f"{B}/merchant-cases"): rule(M, why="the officer's cases (KYC)"),
        ("GET", "/v1/kyc/merchant-cases/{case_id}/review"): rule(M, why="a case's review sheet (KYC)"),
        ("POST", "/v1/kyc/merchant-cases/{case_id}/decision"): rule(M, why="the officer's decision (KYC)"),
        ("GET", "/v1/kyc/merchant-cases/{case_id}/documents/{document}"): rule(M, why="a case's document (KYC)"),
        ("GET", f"{B}/config"): rule(M, H, S, why="records' configuration: managers their branch, head office all"),
        ("PUT", f"{B}/config"): rule(M, why="only the branch's manager edits its configuration"),
        ("GET", f"{B}/config/audit"): rule(M, H, S, why="who changed the configuration"),
        ("GET", f"{B}/reports/daily"): rule(M, H, S, why="a day of the branch (records)"),
        ("GET", f"{B}/reports/daily.pdf"): rule(M, H, S, why="the day as a PDF"),
        ("GET", f"{B}/reports/period"): rule(M, H, S, why="week and month views"),
        ("GET", "/v1/reports/branches"): rule(H, S, why="head office ranks every branch"),
        ("GET", "/v1/reports/branches.csv"): rule(H, S, why="the ranking as CSV"),
        ("GET", "/v1/reports/trend"): rule(H, S, why="network trend for head office"),
        ("GET", "/t/{token}"): Rule(PUBLIC, "the phone ticket page; its data comes from the token-keyed relay"),
        ("GET", "/v1/public/tickets/{token}"): Rule(
            PUBLIC, "the phone page: the token is the credential (rate-limited)"
        ),
        ("POST", "/v1/public/tickets/{token}/cancel"): Rule(PUBLIC, "the phone page: the token is the credential"),
        ("PUT", "/v1/public/tickets/{token}/contact"): Rule(PUBLIC, "the phone page leaves a number: token-keyed"),
        ("DELETE", "/v1/public/tickets/{token}/contact"): Rule(PUBLIC, "takes the number back: token-keyed"),
        ("GET", "/v1/public/appointments/{code}"): Rule(
            PUBLIC, "the customer: the code is the credential (rate-limited)"
        ),
        ("POST", "/v1/public/appointments/{code}/cancel"): Rule(PUBLIC, "the code is the credential"),
        ("GET", "/v1/public/branches/{branch_id}/appointments/slots"): Rule(
            PUBLIC, "the booking page: free places only, no personal data (rate-limited)"
        ),
        ("POST", "/v1/public/branches/{branch_id}/appointments"): Rule(
            PUBLIC, "the booking page takes a free place (never overbooked; rate-limited per address)"
        ),
        ("GET", "/book/{branch_id}"): Rule(PUBLIC, "the booking page; its data comes from the rate-limited relays"),
        ("GET", "/v1/qr"): Rule(PUBLIC, "QR codes of this site's /t/ pages only (the kiosk slip)"),
        ("POST", f"{B}/appointments/check-in"): rule(K, T, M, S, why="the kiosk or counter checks in by code"),
    },
    "records": {
        **PLATFORM,
        ("GET", f"{B}/config"): rule(M, H, S, why="managers read their branch's; head office and services all"),
        ("PUT", f"{B}/config"): rule(M, why="the manager edits the branch's configuration (system of record)"),
        ("GET", f"{B}/config/audit"): rule(
            M, H, S, why="who changed the configuration: the branch's managers, head office"
        ),
        ("GET", f"{B}/reports/daily"): rule(
            M, H, S, why="managers read their branch's reports; head office and services all"
        ),
        ("GET", f"{B}/reports/daily.pdf"): rule(M, H, S, why="the same day as a printable PDF"),
        ("GET", f"{B}/reports/period"): rule(M, H, S, why="week and month views of the branch"),
        ("GET", "/v1/reports/branches"): rule(H, S, why="head office ranks every branch; managers see their own only"),
        ("GET", "/v1/reports/branches.csv"): rule(H, S, why="the ranking as CSV for head office"),
        ("GET", "/v1/reports/trend"): rule(H, S, why="network or branch trend for head office"),
        # the SANDBOX core (docs/core-banking.md): the voice service moves money, staff read
        ("GET", "/v1/sandbox-core/fx-rates"): rule(K, T, M, H, S, why="sandbox rates are public information"),
        ("GET", "/v1/sandbox-core/interest-rates"): rule(K, T, M, H, S, why="sandbox rates are public information"),
        ("GET", "/v1/sandbox-core/billers"): rule(K, T, M, H, S, why="the sandbox's utility billers"),
        ("GET", f"{SC}/customers"): rule(T, M, S, why="the branch's sandbox demo customers"),
        ("GET", f"{SC}/customers/{{customer_id}}/accounts"): rule(
            T, M, S, why="a customer's accounts: the voice service for the customer, staff at the counter"
        ),
        ("GET", f"{SC}/customers/{{customer_id}}/accounts/{{account_id}}"): rule(T, M, S),
        ("GET", f"{SC}/customers/{{customer_id}}/accounts/{{account_id}}/statement"): rule(T, M, S),
        ("GET", f"{SC}/audit"): rule(M, H, S, why="who moved money through the sandbox core (masked)"),
        ("POST", f"{SC}/customers/{{customer_id}}/transfers"): rule(
            S, why="money movements: the voice service only, with KYC identity and confirmation"
        ),
        ("POST", f"{SC}/customers/{{customer_id}}/card-repayments"): rule(S, why="money movement: service only"),
        ("POST", f"{SC}/customers/{{customer_id}}/utility-payments"): rule(S, why="money movement: service only"),
        ("POST", f"{SC}/customers/{{customer_id}}/postings/{{posting_id}}/reversal"): rule(
            S, why="a compensating posting: service only, audited"
        ),
        ("GET", f"{SC}/customers/{{customer_id}}/services"): rule(
            T, M, S, why="a customer's self-services (phone masked): the voice service for the customer, staff"
        ),
        ("GET", f"{SC}/customers/{{customer_id}}/pension-credits"): rule(T, M, S),
        ("POST", f"{SC}/customers/{{customer_id}}/services/{{service}}"): rule(
            S, why="an enrolment or card activation: the voice service only, with KYC identity and confirmation"
        ),
        ("POST", f"{SC}/customers/{{customer_id}}/accounts/{{account_id}}/pin"): rule(
            S, why="a PIN change: service only, identity first, never echoed"
        ),
        ("POST", f"{SC}/customers/{{customer_id}}/wallet-top-ups"): rule(S, why="money movement: service only"),
    },
}

PATH_VALUES = {"branch_id": "b1", "action": "complete", "document": "licence"}  # complete: also a console action


def concrete(path: str, branch: str = "b1") -> str:
    """The template with every ``{param}`` filled (the branch as given, anything else a plain id)."""
    out = path
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1 : end]
        value = branch if name == "branch_id" else PATH_VALUES.get(name, f"{name.replace('_id', '')}-x1")
        out = out[:start] + value + out[end + 1 :]
    return out
