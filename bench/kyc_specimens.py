"""KYC on real public specimens (issue 25 item 1): the service's reading against hand-checked truth.

Reads every document of bench/kyc/specimens.json from ``--dir`` the way the service does (``read_id_card`` /
``read_business_licence`` with a ``DocumentReader`` over ``RapidOcrEngine``, as bench/kyc_ocr.py calls them)
and scores it with bench/kyc_ocr.py's ``score``: fields exact, whole documents exact, wrong ID numbers /
credit codes passing their checks, silent errors (misread fields on a document whose checks say ok:
neither a failed check nor a field below the review threshold) and the share of documents not ok
(review or rejected). Per document and pooled, per kind; writes bench/results/kyc_specimens.json.
ID numbers and credit codes are masked in what it prints and writes.

Fetches nothing. The images are not in this repository; get them once, outside it:

    1. For each repository named in bench/kyc/specimens.json, take a snapshot of it (``git clone``, or the
       workplace's fetch tool), e.g. github.com/chineseocr/chineseocr.
    2. Write each listed file at its commit into the specimen directory under its local name
       (repository and path with ``/`` turned into ``__``), e.g. for test/card.png of chineseocr/chineseocr:
       git --git-dir=<clone>/.git show <commit>:test/card.png > <dir>/chineseocr__chineseocr__test__card.png
       (``--print-extract`` prints these commands for every document).
    3. Run:  .venv/bin/python bench/kyc_specimens.py --dir /work/specimens/kyc [--show-misses]

A file that is missing or whose sha256 differs from the manifest is skipped and named.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from bench.kyc.specimens import (
    HIDDEN,
    MANIFEST,
    Specimen,
    as_sample,
    image_of,
    load_manifest,
    misses,
    score_specimen,
    shown,
)
from bench.kyc_ocr import RecordingReader, Tally, machine, merge, read, summary
from services.kyc.adapters.document_reader import DocumentText
from services.kyc.adapters.rapid_ocr import RapidOcrEngine
from services.kyc.domain.review import FIELD_REVIEW_THRESHOLD

LONG_NUMBER = re.compile(r"[0-9A-Z]{15,18}")


def masked_line(text: str) -> str:
    """An OCR line with any run that could be an ID number or credit code masked."""
    return LONG_NUMBER.sub(lambda match: match.group()[:4] + "*" * (len(match.group()) - 8) + match.group()[-4:], text)


def differing_positions(expected: str, got: Any) -> list[int] | None:
    """Where a misread number differs from the truth (1-based), when both have the same length."""
    if not isinstance(got, str) or len(got) != len(expected):
        return None
    return [index + 1 for index, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]


def miss_rows(specimen: Specimen, result: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = []
    confidence = (result or {}).get("field_confidence") or {}
    for name, (expected, got) in misses(specimen, result).items():
        row: dict[str, Any] = {
            "field": name,
            "expected": shown(name, expected, specimen),
            "read": shown(name, got, specimen),
        }
        if name in ("id_number", "credit_code") and expected != HIDDEN:
            row["differs_at"] = differing_positions(expected, got)
        if name in confidence:
            row["confidence"] = confidence[name]
        rows.append(row)
    return rows


def print_lines(text: DocumentText | None) -> None:
    if text is None:
        return
    print(f"    rotation {text.rotation}, quad found {text.quad_found}; OCR lines (upright frame):")
    for line in sorted(text.lines, key=lambda line: (round(line.center_y), line.left)):
        box = f"({line.left:.0f},{line.top:.0f},{line.right:.0f},{line.bottom:.0f})"
        print(f"      {line.score:.3f} {box} {masked_line(line.text)!r}")


def run(specimens: list[Specimen], directory: Path, reader: RecordingReader, show: bool) -> list[dict[str, Any]]:
    rows = []
    for specimen in specimens:
        image = image_of(specimen, directory)
        if image is None:
            print(f"skipped {specimen.id}: {directory / specimen.local_name} missing or not the recorded sha256")
            rows.append({"id": specimen.id, "kind": specimen.kind, "skipped": True})
            continue
        reader.last = None
        started = time.perf_counter()
        error = None
        try:
            result: dict[str, Any] | None = read(as_sample(specimen, image), reader)
        except ValueError as exc:
            result, error = None, str(exc)
        elapsed = time.perf_counter() - started
        tally = score_specimen(specimen, result)
        tally.errors += error is not None
        tally.latencies.append(elapsed)
        checks = (result or {}).get("checks") or {}
        row: dict[str, Any] = {
            "id": specimen.id,
            "kind": specimen.kind,
            "repo": specimen.repo,
            "skipped": False,
            "error": error,
            "checks_ok": bool(checks.get("ok")),
            "verdict": checks.get("verdict"),
            "failed_checks": checks.get("failed"),
            "misses": miss_rows(specimen, result),
            "tally": tally,
        }
        rows.append(row)
        if show and row["misses"]:
            print(f"miss {specimen.id} ({specimen.kind}, checks {row['verdict']}, failed {row['failed_checks']}):")
            for miss in row["misses"]:
                print(f"    {miss}")
            print_lines(reader.last)
    return rows


def confident_misreads(rows: list[dict[str, Any]]) -> list[str]:
    """Misread fields whose confidence is at or above the review threshold: only a cross-check can catch them,
    and when the document still went to review it may have been for another reason."""
    return [
        f"{row['id']}.{miss['field']}"
        for row in rows
        if not row["skipped"]
        for miss in row["misses"]
        if miss.get("confidence", 0.0) >= FIELD_REVIEW_THRESHOLD
    ]


def pooled(rows: list[dict[str, Any]], kind: str | None = None) -> Tally:
    return merge([row["tally"] for row in rows if not row["skipped"] and kind in (None, row["kind"])])


def print_table(rows: list[dict[str, Any]]) -> None:
    header = f"{'document':<34}{'kind':<9}{'fields':>8}{'whole':>6}{'err':>4}{'pass':>5}{'silent':>7}{'verdict':>9}"
    print(header + f"{'s':>6}  misses")
    for row in rows:
        if row["skipped"]:
            print(f"{row['id']:<34}{row['kind']:<9}  skipped")
            continue
        tally = row["tally"]
        names = ", ".join(miss["field"] for miss in row["misses"])
        print(
            f"{row['id']:<34}{row['kind']:<9}{tally.exact_fields:>4}/{tally.fields:<3}{tally.exact_documents:>6}"
            f"{tally.errors:>4}{tally.numbers_passing:>5}{tally.silent_errors:>7}{row['verdict']!s:>9}"
            f"{tally.latencies[0]:>6.2f}  {names}"
        )
    for kind in (*sorted({row["kind"] for row in rows}), None):
        tally = pooled(rows, kind)
        if tally.documents:
            line = summary(tally)
            print(
                f"POOLED {kind or 'all':<9} n={line['documents']} fields {line['field_exact']:.3f} "
                f"({tally.exact_fields}/{tally.fields}) whole {line['document_exact']:.3f} errors {line['errors']} "
                f"numbers passing {line['numbers_passing']} silent errors {line['silent_errors']} "
                f"not ok {line['not_ok']}/{line['documents']} p50 {line['latency_p50_s']}s"
            )


def report(rows: list[dict[str, Any]], info: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    every = pooled(rows)
    kinds = sorted({row["kind"] for row in rows})
    documents = [
        {key: value for key, value in row.items() if key != "tally"}
        | ({} if row["skipped"] else {"fields": row["tally"].fields, "exact_fields": row["tally"].exact_fields})
        for row in rows
    ]
    return {
        "machine": info,
        "settings": {"dir": str(args.dir), "threads": args.threads, "det_side": args.det_side, "unclip": args.unclip},
        "manifest": args.manifest.name,
        "reader_source": reader_source(args.exported_from),
        "skipped": [row["id"] for row in rows if row["skipped"]],
        "documents": documents,
        "pooled": {kind: summary(pooled(rows, kind)) for kind in kinds} | {"all": summary(every)},
        "confident_misreads": confident_misreads(rows),
        "review_threshold": FIELD_REVIEW_THRESHOLD,
        "review_rate": round(every.sent_to_review / every.documents, 4) if every.documents else None,
        "targets": {
            "fields_exact>=0.95": bool(every.fields) and every.exact_fields / every.fields >= 0.95,
            "no_wrong_number_passing": every.numbers_passing == 0,
            "no_silent_errors": every.silent_errors == 0,
        },
    }


def reader_source(exported_from: str | None = None) -> dict[str, Any]:
    """The commit measured, and the reader's files changed but not committed (a helper's work in progress).

    ``exported_from``: the commit a ``git archive`` export was taken from, when the bench runs from one."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False).stdout.rstrip("\n")

    if exported_from:
        return {"commit": exported_from, "uncommitted": [], "exported_tree": True}
    changed = git("status", "--porcelain", "--", "services/kyc", "bench/kyc_ocr.py").splitlines()
    return {"commit": git("rev-parse", "HEAD") or None, "uncommitted": [line[3:] for line in changed]}


def print_extract(specimens: list[Specimen], directory: Path) -> None:
    for specimen in specimens:
        clone = f"<clone of {specimen.repo}>"
        print(f"git --git-dir={clone}/.git show {specimen.commit}:{specimen.path} > {directory / specimen.local_name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/work/specimens/kyc"), help="where the images lie")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--det-side", type=int, default=640)
    parser.add_argument("--unclip", type=float, default=1.6, help="text-box growth of the detector")
    parser.add_argument("--show-misses", action="store_true", help="print misses with the OCR lines (masked)")
    parser.add_argument(
        "--exported-from", default=None, help="the commit, when running from a `git archive` export of it"
    )
    parser.add_argument("--only", default="", help="comma-separated document ids to read (default: all)")
    parser.add_argument("--print-extract", action="store_true", help="print the git commands that extract the images")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "kyc_specimens.json")
    args = parser.parse_args()
    specimens = load_manifest(args.manifest)
    if args.only:
        specimens = [specimen for specimen in specimens if specimen.id in args.only.split(",")]
    if args.print_extract:
        print_extract(specimens, args.dir)
        return 0
    info = machine()
    reader = RecordingReader(RapidOcrEngine(threads=args.threads, det_side=args.det_side, unclip_ratio=args.unclip))
    first = next((s for s in specimens if image_of(s, args.dir) is not None), None)
    if first is None:
        print(f"no specimen image found in {args.dir}; see this script's docstring to extract them", file=sys.stderr)
        return 2
    with contextlib.suppress(ValueError):  # warm-up, not measured
        read(as_sample(first, image_of(first, args.dir) or b""), reader)
    rows = run(specimens, args.dir, reader, args.show_misses)
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"machine: {info}")
    print(f"reader source: {reader_source(args.exported_from)}")
    print_table(rows)
    result = report(rows, info, args)
    print(f"review rate {result['review_rate']}; targets: {result['targets']}")
    print(f"misreads at or above the review threshold (only cross-checks catch them): {result['confident_misreads']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
