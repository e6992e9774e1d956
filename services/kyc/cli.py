"""``branchops kyc id-card IMAGE...``, ``kyc business-licence IMAGE...``, ``kyc verify --document A --selfie B``;
``kyc demo-merchants`` (dev/demo: invented merchant applicants for ``make run``, services/kyc/demo_merchants.py).

JSON on stdout in the shapes of DESIGN.md section 5: one object per line, each carrying its ``input``
(``verify`` prints one object). The CLI is the operator's tool and prints full fields; nothing is
stored. Exit codes: 0 every input read, 1 some input refused (its line carries ``error`` and
``reason``), 2 bad arguments or an unreadable file. Models load inside the command, once per command (the
OCR reader or the face engine, from the adapters' factories), never per image.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _documents(args: argparse.Namespace, kind: str) -> int:
    from services.kyc.adapters.rapid_ocr import build_document_reader
    from services.kyc.domain.errors import DocumentError
    from services.kyc.usecases import documents

    today = dt.date.fromisoformat(args.today) if args.today else dt.datetime.now(dt.UTC).date()
    reader = build_document_reader()  # loads the OCR models (about a second): once for all the images
    failed = 0
    for path in args.images:
        try:
            data = _read(path)
            if kind == "id-card":
                result = documents.read_id_card(data, today=today, reader=reader)
            else:
                result = documents.read_business_licence(data, reader=reader)
                result.pop("confidence", None)
            _emit({"input": path, **result})
        except DocumentError as error:
            failed += 1
            _emit({"input": path, "error": str(error), "reason": error.reason})
    return 1 if failed else 0


def _id_card(args: argparse.Namespace) -> int:
    return _documents(args, "id-card")


def _licence(args: argparse.Namespace) -> int:
    return _documents(args, "business-licence")


def _verify(args: argparse.Namespace) -> int:
    from services.kyc.adapters.face_models import FaceEngine
    from services.kyc.domain.errors import DocumentError
    from services.kyc.domain.face_decision import MatchThresholds
    from services.kyc.settings import KycSettings
    from services.kyc.usecases import faces

    settings = KycSettings()
    thresholds = MatchThresholds(
        approve=args.approve if args.approve is not None else settings.face_approve,
        reject=args.reject if args.reject is not None else settings.face_reject,
    )
    document, selfie = _read(args.document), _read(args.selfie)
    try:
        result = faces.verify(document, selfie, thresholds, engine=FaceEngine())
    except DocumentError as error:
        _emit(
            {"input": {"document": args.document, "selfie": args.selfie}, "error": str(error), "reason": error.reason}
        )
        return 1
    _emit({"input": {"document": args.document, "selfie": args.selfie}, **result})
    return 0


def _demo_merchants(args: argparse.Namespace) -> int:
    from services.kyc import demo_merchants  # dev/demo code: it imports the bench's corpus inside

    return demo_merchants.seed(args)


def register(subparsers: Any) -> None:
    kyc = subparsers.add_parser("kyc", help="ID-card / business-licence OCR and face verification (issue #6)")
    commands = kyc.add_subparsers(dest="kyc_command", required=True)
    id_card = commands.add_parser("id-card", help="read resident ID cards (either side): one JSON line per image")
    id_card.add_argument("images", nargs="+", metavar="IMAGE")
    id_card.add_argument("--today", default=None, help="date that decides expiry (YYYY-MM-DD; default: today)")
    id_card.set_defaults(func=_id_card)
    licence = commands.add_parser("business-licence", help="read business licences: one JSON line per image")
    licence.add_argument("images", nargs="+", metavar="IMAGE")
    licence.set_defaults(func=_licence, today=None)
    verify = commands.add_parser("verify", help="compare the portrait on an ID card with a selfie")
    verify.add_argument("--document", required=True, help="photo of the ID card, portrait side")
    verify.add_argument("--selfie", required=True, help="photo of the person")
    verify.add_argument("--approve", type=float, default=None, help="override KYC_FACE_APPROVE")
    verify.add_argument("--reject", type=float, default=None, help="override KYC_FACE_REJECT")
    verify.set_defaults(func=_verify)
    demo = commands.add_parser(
        "demo-merchants",
        help="dev/demo: open invented merchant cases and take them to review, as a kiosk "
        "(API key in BRANCHOPS_SIM_KIOSK_KEY); make run's KYC simulator",
    )
    demo.add_argument("--kyc-url", required=True, help="the KYC service, e.g. http://127.0.0.1:8003")
    demo.add_argument("--branch", required=True, help="branch the cases are opened at")
    demo.add_argument("--cases", type=int, default=3, help="how many (approvable, impostor, photocopy in turn)")
    demo.add_argument("--seed", type=int, default=0, help="first seed of the invented applicants")
    demo.set_defaults(func=_demo_merchants)
