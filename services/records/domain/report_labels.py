"""The printed day report's labels in Chinese and English, and how its figures are written."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "网点日报",
        "branch": "网点",
        "date": "日期",
        "timezone": "时区",
        "generated": "生成时间",
        "totals": "当日汇总",
        "arrivals": "到达",
        "called": "叫号",
        "served": "办结",
        "no_show": "过号",
        "abandoned": "离开",
        "cancelled": "取消",
        "transferred": "转办",
        "within_target_share": "目标内等待占比",
        "wait_p50_min": "等待中位数 (分钟)",
        "wait_p90_min": "等待P90 (分钟)",
        "handling_min_avg": "平均办理 (分钟)",
        "ratings": "评价数",
        "rating_avg": "平均评分",
        "footfall_entered": "进店人数",
        "alerts_raised": "告警",
        "alerts_acknowledged": "已确认告警",
        "alert_ack_s_avg": "平均确认 (秒)",
        "alerts_expired": "过期告警",
        "voice_sessions": "数字员工会话",
        "voice_completed_without_staff": "无需人工完成",
        "voice_handed_off": "转人工",
        "voice_containment": "自助完成率",
        "kyc_decisions": "身份核验",
        "chart_arrivals": "每15分钟到达与预测",
        "forecast": "预测",
        "chart_share": "每15分钟目标内等待占比",
        "occupancy": "大厅热力图 (全天与每小时)",
        "occupancy_camera": "摄像头 {camera}",
        "occupancy_legend": "每格停留时长 (人秒)",
        "occupancy_hour": "{local} 峰值{peak}人",
        "occupancy_day": "全天 {first}-{last} 合计, 峰值{peak}人",
        "services": "业务",
        "service": "业务",
        "target_wait_min": "目标等待 (分钟)",
        "windows": "窗口",
        "window_id": "窗口",
        "staff": "员工",
        "staff_id": "员工",
        "alerts": "告警",
        "kind": "类型",
        "raised": "发出",
        "escalated": "升级",
        "acknowledged": "确认",
        "ack_s_avg": "平均确认 (秒)",
        "expired": "过期",
        "voice": "数字员工",
        "sessions": "会话",
        "turns": "轮次",
        "completed_without_staff": "无需人工完成",
        "handed_off": "转人工",
        "containment": "自助完成率",
        "kyc": "身份核验",
        "decision": "结果",
        "count": "次数",
        "none": "无数据",
        "page": "第 {n} 页",
        "decision.approved": "通过",
        "decision.rejected": "拒绝",
        "decision.review": "人工复核",
        "kind.open_window": "开窗口",
        "kind.close_window": "关窗口",
        "kind.delay_break": "推迟休息",
        "kind.recall_staff": "召回员工",
        "kind.sla_risk": "服务水平风险",
        "kind.camera_down": "摄像头故障",
        "service.cash": "现金",
        "service.general": "综合业务",
        "service.corporate": "对公业务",
        "service.wealth": "理财",
        "service.fx": "外汇",
    },
    "en": {
        "title": "Branch daily report",
        "branch": "Branch",
        "date": "Date",
        "timezone": "Time zone",
        "generated": "Generated",
        "totals": "Day totals",
        "arrivals": "Arrivals",
        "called": "Called",
        "served": "Served",
        "no_show": "No-show",
        "abandoned": "Abandoned",
        "cancelled": "Cancelled",
        "transferred": "Transferred",
        "within_target_share": "Within target wait",
        "wait_p50_min": "Wait median (min)",
        "wait_p90_min": "Wait p90 (min)",
        "handling_min_avg": "Handling avg (min)",
        "ratings": "Ratings",
        "rating_avg": "Rating avg",
        "footfall_entered": "Visitors entered",
        "alerts_raised": "Alerts raised",
        "alerts_acknowledged": "Alerts acknowledged",
        "alert_ack_s_avg": "Ack avg (s)",
        "alerts_expired": "Alerts expired",
        "voice_sessions": "Voice sessions",
        "voice_completed_without_staff": "Completed without staff",
        "voice_handed_off": "Handed off",
        "voice_containment": "Voice containment",
        "kyc_decisions": "KYC decisions",
        "chart_arrivals": "Arrivals and forecast per 15 minutes",
        "forecast": "Forecast",
        "chart_share": "Share within target wait per 15 minutes",
        "occupancy": "Hall occupancy heat map (the day and each hour)",
        "occupancy_camera": "Camera {camera}",
        "occupancy_legend": "Time spent per cell (person-seconds)",
        "occupancy_hour": "{local} peak {peak}",
        "occupancy_day": "Whole day {first}-{last}, peak {peak}",
        "services": "Services",
        "service": "Service",
        "target_wait_min": "Target wait (min)",
        "windows": "Windows",
        "window_id": "Window",
        "staff": "Staff",
        "staff_id": "Staff",
        "alerts": "Alerts",
        "kind": "Kind",
        "raised": "Raised",
        "escalated": "Escalated",
        "acknowledged": "Acknowledged",
        "ack_s_avg": "Ack avg (s)",
        "expired": "Expired",
        "voice": "Digital employee",
        "sessions": "Sessions",
        "turns": "Turns",
        "completed_without_staff": "Completed without staff",
        "handed_off": "Handed off",
        "containment": "Containment",
        "kyc": "KYC",
        "decision": "Decision",
        "count": "Count",
        "none": "No data",
        "page": "Page {n}",
        "decision.approved": "Approved",
        "decision.rejected": "Rejected",
        "decision.review": "Review",
        "kind.open_window": "Open a window",
        "kind.close_window": "Close a window",
        "kind.delay_break": "Delay a break",
        "kind.recall_staff": "Recall staff",
        "kind.sla_risk": "Service level at risk",
        "kind.camera_down": "Camera down",
        "service.cash": "Cash",
        "service.general": "General",
        "service.corporate": "Corporate",
        "service.wealth": "Wealth",
        "service.fx": "Foreign exchange",
    },
}

SHARES = frozenset({"within_target_share", "voice_containment", "containment"})
"""Fields that are shares 0..1, printed as percentages."""


def labels(lang: str) -> Mapping[str, str]:
    """The labels of ``lang`` (zh, en); Chinese for anything else."""
    return LABELS.get(lang, LABELS["zh"])


def label(lang: str, key: str) -> str:
    """A field's label; the field's own name when it has none."""
    return labels(lang).get(key, key)


VALUE_FIELDS = frozenset({"decision", "kind", "service"})
"""Fields whose values are codes with a label of their own (``field.value``)."""


def value_label(lang: str, key: str, value: str) -> str:
    """The label of a code (a KYC decision, an alert kind, a service); the code itself when it has none."""
    return labels(lang).get(f"{key}.{value}", value)


def figure(key: str, value: object) -> str:
    """A figure as printed: "–" for unknown (null), shares as percentages with one decimal."""
    if value is None:
        return "–"
    if key in SHARES and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}" if key != "rating_avg" else f"{value:.2f}"
    return str(value)
