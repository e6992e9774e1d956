"""The simulated branch's configuration, as the records service keeps it (``branchops.contracts.branch_config``).

It says what :func:`simulation.live_branch.demo_day` plays: open 09:00-17:00 every day (the simulator runs
consecutive days), the general and cash lines with their ticket prefixes, the windows g1-g7 (general),
c1-c3 (cash) and m1-m2 (both), and one teller per window plus four floaters (two of each line, one of them
for both), all available the whole day: enough people that the lunch peak and everyone's lunch break fit,
so a plain day's plan is feasible.
"""

from __future__ import annotations

from typing import Any

from branchops.contracts.branch_config import BranchConfig, Weekday
from simulation.live_branch import demo_day

OPEN, CLOSE = "09:00", "17:00"
ZONE = "Asia/Shanghai"
ADDRESS = {"zh": "上海市浦东新区演示路1号（演示地址）", "en": "1 Demo Road, Pudong, Shanghai (demo address)"}
PHONE = "+86 21 0000 0000"
"""Made up for the demo: the digital employee tells them when asked where the branch is."""
SERVICES: dict[str, dict[str, Any]] = {
    "general": {"name": {"zh": "综合业务", "en": "General services"}, "target_wait_min": 10, "ticket_prefix": "B"},
    "cash": {"name": {"zh": "现金业务", "en": "Cash"}, "target_wait_min": 10, "ticket_prefix": "A"},
}
TELLERS = (
    "王芳",
    "李强",
    "张伟",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄勇",
    "周婷",
    "吴磊",
    "徐静",
    "孙涛",
    "马丽",
    "朱琳",
    "胡军",
    "郭敏",
)


def demo_config(branch: str) -> dict[str, Any]:
    """The document ``PUT /v1/branches/{branch}/config`` takes (valid as a :class:`BranchConfig`)."""
    _, windows = demo_day()
    week = {d.value: [{"open": OPEN, "close": CLOSE}] for d in Weekday}
    skills_by_window = {w.window_id: [s.value for s in w.skills] for w in windows}
    staff = [_teller(i, skills, week) for i, skills in enumerate(skills_by_window.values())]
    for skills in (["cash", "general"], ["general"], ["general"], ["cash"]):
        staff.append(_teller(len(staff), skills, week))
    doc = {
        "branch": {
            "name": f"演示支行 {branch}",
            "timezone": ZONE,
            "hours": week,
            "holidays": [],
            "address": ADDRESS,
            "phone": PHONE,
        },
        "services": [{"code": code, **spec} for code, spec in SERVICES.items()],
        "windows": [
            {"id": window_id, "skills": skills, "label": f"{i + 1}号窗口"}
            for i, (window_id, skills) in enumerate(skills_by_window.items())
        ],
        "staff": staff,
    }
    BranchConfig.model_validate(doc)  # the contract's shapes; records checks the rules across fields
    return doc


def _teller(i: int, skills: list[str], week: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    return {
        "id": f"t{i + 1:02d}",
        "display_name": TELLERS[i % len(TELLERS)],
        "skills": skills,
        "max_minutes_per_day": 480,
        "availability": week,
        "absences": [],
    }
