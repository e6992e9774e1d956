"""What a change did (the audit log's summary), and the document as events carry it (names masked)."""

from __future__ import annotations

from typing import Any

from services.records.domain.config import BranchConfig

KEYED_SECTIONS = {"services": "code", "windows": "id", "staff": "id", "cameras": "id", "devices": "id"}


def summarize(before: BranchConfig | None, after: BranchConfig) -> dict[str, Any]:
    """``{"created": true}`` for a first version; else per section what was added, removed or changed (by id),
    and which fields of ``branch`` changed. Ids and field names only: no names, no values."""
    if before is None:
        return {"created": True, "counts": {s: len(getattr(after, s)) for s in KEYED_SECTIONS}}
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    summary: dict[str, Any] = {}
    branch = sorted(
        k for k in new["branch"].keys() | old["branch"].keys() if old["branch"].get(k) != new["branch"].get(k)
    )
    if branch:
        summary["branch"] = branch
    for section, key in KEYED_SECTIONS.items():
        was = {str(item[key]): item for item in old[section]}
        now = {str(item[key]): item for item in new[section]}
        changes = {
            "added": sorted(now.keys() - was.keys()),
            "removed": sorted(was.keys() - now.keys()),
            "changed": sorted(k for k in now.keys() & was.keys() if now[k] != was[k]),
        }
        changes = {kind: ids for kind, ids in changes.items() if ids}
        if changes:
            summary[section] = changes
    if not summary and old != new:
        summary["order"] = True  # the same entries in another order
    return summary


def mask_name(name: str) -> str:
    """``王芳`` -> ``王*``, ``Li Na`` -> ``L* N*``: first letter of each word kept (DESIGN.md section 7)."""
    return " ".join(word[0] + "*" * max(1, len(word) - 1) for word in name.split()) or "*"


def for_event(config: BranchConfig) -> BranchConfig:
    """The document as ``branch-config.v1`` carries it: staff display names masked."""
    staff = [member.model_copy(update={"display_name": mask_name(member.display_name)}) for member in config.staff]
    return config.model_copy(update={"staff": staff})
