// Chinese by default, English on request; the choice is kept in localStorage.
const TEXT = {
  zh: {
    title: "网点运营看板", branch: "网点", live: "实时", offline: "已断开", reconnecting: "重连中",
    lang: "English", logout: "退出", waiting: "排队人数", occupancy: "大厅人数", tickets_today: "今日取号",
    service_level: "今日服务达标率", satisfaction: "满意度", hall: "大厅人数与进店", zone: "区域", people: "人数",
    camera: "摄像头", entered: "今日进店", exited: "今日离店", queue: "各业务排队", service: "业务",
    open_windows: "开放窗口", est_wait: "预计等待", minutes: "分钟", arrivals: "到达人数：预测与实际",
    expected: "预测", actual: "实际", plan: "排班计划", no_plan: "今日暂无排班计划", alerts: "提醒",
    plan_verified: "经仿真验证：最差时段",
    no_alerts: "暂无提醒", ack: "确认", acked: "已确认", expired: "已过期", cameras: "摄像头状态",
    no_cameras: "暂无摄像头数据", latest_tickets: "最新取号", no_tickets: "暂无取号", windows: "窗口",
    no_windows: "暂无窗口", window: "窗口", staff: "员工", break: "休息", up: "正常", degraded: "降级", down: "离线",
    open: "开放", closed: "关闭", issued: "等候中", called: "已叫号", serving: "办理中", completed: "已完成",
    no_show: "未到", abandoned: "已离开", transferred: "已转移", cancelled: "已取消",
    cash: "现金业务", general: "综合业务", corporate: "对公业务", wealth: "理财业务", fx: "外汇业务",
    head_office: "总行视图", all_branches: "全部网点", open_alerts: "未处理提醒", cameras_down: "离线摄像头",
    details: "详情", no_branches: "暂无网点数据", login: "登录", username: "用户名", password: "密码",
    login_failed: "用户名或密码错误", forbidden: "无权访问此页面", upstream_down: "部分服务暂不可用",
    kiosk_title: "自助服务", take_ticket: "请选择业务取号", your_number: "您的号码", ahead: "前面等候",
    persons: "人", wait_range: "预计等待", done: "完成", kyc: "身份核验", voice: "数字员工",
    back: "返回", device_setup: "请输入设备密钥", device_key: "设备密钥", save: "保存",
    device_unknown: "设备密钥无效，请核对后重新输入", device_other_branch: "此设备属于其他网点",
    no_branch: "此账号未绑定网点，请联系管理员", branch_time: "网点时间", no_wait: "无需等待", reporting: "上报中", last_count: "最近计数",
    p_401: "登录已失效，请重新登录", p_403: "无权进行此操作", p_404: "未找到", p_409: "状态已变化，请刷新后重试",
    p_413: "文件太大", p_422: "输入有误", p_429: "尝试次数过多，请稍后再试", p_5xx: "服务暂不可用，请稍后再试",
    p_net: "网络连接中断，请稍后再试",
    not_open_now: "暂未开放，请咨询工作人员", no_window_now: "暂无窗口办理，请咨询工作人员",
    kyc_card: "请将身份证人像面放在摄像头前", capture: "拍照", kyc_selfie: "请看着摄像头，按提示做动作",
    start: "开始", blink: "请眨眼", turn_left: "请向左转头", turn_right: "请向右转头", approved: "核验通过",
    rejected: "核验未通过", review: "需人工复核",
    rejected_next: "请到柜台，工作人员将协助您办理", review_next: "请稍候，工作人员将为您复核", kyc_error: "核验失败，请重试或咨询工作人员",
    kyc_name: "姓名", kyc_id_number: "证件号码", kyc_portrait_side: "这是国徽面，请将人像面对准摄像头后再拍照",
    camera_denied: "无法打开摄像头", talk: "按住说话", hands_free_off: "免提对话：关", hands_free_on: "免提对话：开",
    vs_holding: "请说话，说完松开按钮", vs_listening: "正在聆听，请直接说话", vs_hearing: "正在听您说……",
    vs_thinking: "请稍候……", vs_replying: "正在回答……", mic_unavailable: "无法打开麦克风，请使用下方按钮", say_hello: "您好，请问有什么可以帮您？",
    q_open_account: "我想开户", q_cash: "我要取现金", q_fx: "我想换外汇", q_staff: "我要找人工",
    error: "出错了，请重试", voice_down: "语音服务暂不可用，请返回取号或咨询工作人员", service_level_hint: "叫号等待不超过",
    kyc_today: "今日核验", voice_turns: "语音对话",
    rate_title: "服务评价", rate_idle: "业务办理完成后，请在此为我们的服务评分", rate_question: "您对本次服务满意吗？请点击评分",
    rate_thanks: "感谢您的评价！", rate_already: "本次业务已评价，谢谢！", rating_5: "非常满意", rating_4: "满意",
    rating_3: "一般", rating_2: "不满意", rating_1: "非常不满意", tag_friendly: "态度好", tag_fast: "办理快",
    tag_professional: "专业", tag_clear: "讲解清楚", tag_long_wait: "等候太久", tag_slow_service: "办理慢",
    tag_unfriendly: "态度差", tag_unclear: "讲解不清", tag_environment: "环境不好",
    satisfaction_today: "今日满意度", ratings: "评价数", average: "平均分", no_ratings: "今日暂无评价",
  },
  en: {
    title: "Branch operations", branch: "Branch", live: "Live", offline: "Disconnected", reconnecting: "Reconnecting",
    lang: "中文", logout: "Log out", waiting: "Waiting", occupancy: "In the hall", tickets_today: "Tickets today",
    service_level: "Service level today", satisfaction: "Satisfaction", hall: "Hall occupancy and entries",
    zone: "Zone", people: "People", camera: "Camera", entered: "Entered today", exited: "Left today",
    queue: "Queue per service", service: "Service", open_windows: "Open windows", est_wait: "Expected wait",
    minutes: "min", arrivals: "Arrivals: forecast vs actual", expected: "Forecast", actual: "Actual",
    plan: "Staffing plan", no_plan: "No staffing plan for today",
    plan_verified: "verified by simulation: worst interval", alerts: "Alerts", no_alerts: "No alerts",
    ack: "Acknowledge", acked: "Acknowledged", expired: "Expired", cameras: "Camera health",
    no_cameras: "No camera data yet", latest_tickets: "Latest tickets", no_tickets: "No tickets yet",
    windows: "Windows", no_windows: "No windows yet", window: "Window", staff: "Staff", break: "Break",
    up: "Up", degraded: "Degraded", down: "Down", open: "Open", closed: "Closed", issued: "Waiting",
    called: "Called", serving: "Serving", completed: "Completed", no_show: "No-show", abandoned: "Left",
    transferred: "Transferred", cancelled: "Cancelled", cash: "Cash", general: "General", corporate: "Corporate",
    wealth: "Wealth", fx: "Foreign exchange", head_office: "Head office", all_branches: "All branches",
    open_alerts: "Open alerts", cameras_down: "Cameras down", details: "Details", no_branches: "No branch data yet",
    login: "Log in", username: "User name", password: "Password", login_failed: "Wrong name or password",
    forbidden: "You may not open this page", upstream_down: "Some services are unavailable",
    kiosk_title: "Self-service", take_ticket: "Choose a service to take a ticket", your_number: "Your number",
    ahead: "Waiting ahead", persons: "", wait_range: "Expected wait", done: "Done", kyc: "Identity check",
    voice: "Digital assistant", back: "Back", device_setup: "Enter the device key", device_key: "Device key",
    save: "Save", device_unknown: "Unknown device key; check it and enter it again",
    device_other_branch: "This device belongs to another branch", no_branch: "This account has no branch; ask an administrator",
    branch_time: "Branch time", no_wait: "no wait", reporting: "Reporting", last_count: "last count",
    p_401: "Your session has ended; please log in again", p_403: "You may not do this", p_404: "Not found",
    p_409: "This changed meanwhile; refresh and try again", p_413: "The file is too large", p_422: "Invalid input",
    p_429: "Too many attempts; please try again later", p_5xx: "A service is unavailable; please try again later",
    p_net: "The connection was lost; please try again",
    not_open_now: "Not open now; please ask staff", no_window_now: "No window serves this now; please ask staff",
    kyc_card: "Hold the photo side of your ID card to the camera", capture: "Take photo",
    kyc_selfie: "Look at the camera and follow the prompts", start: "Start", blink: "Please blink",
    turn_left: "Turn your head left", turn_right: "Turn your head right", approved: "Verified",
    rejected: "Not verified", review: "A colleague will check this",
    rejected_next: "Please go to a counter; staff will help you", review_next: "Please wait; staff will check it with you", kyc_error: "The check failed; try again or ask staff",
    kyc_name: "Name", kyc_id_number: "ID number",
    kyc_portrait_side: "That was the back of the card: hold the photo side to the camera and take the photo again",
    camera_denied: "The camera cannot be opened", talk: "Hold to talk", hands_free_off: "Hands-free: off",
    hands_free_on: "Hands-free: on", vs_holding: "Speak now, then let go of the button",
    vs_listening: "Listening: just speak", vs_hearing: "Hearing you…", vs_thinking: "One moment…",
    vs_replying: "Answering…", mic_unavailable: "The microphone cannot be opened; please use the buttons below", say_hello: "Hello, how can I help you?",
    q_open_account: "Open an account", q_cash: "Withdraw cash", q_fx: "Exchange currency", q_staff: "Talk to staff",
    error: "Something went wrong; please try again", voice_down: "Voice is unavailable; please go back to take a ticket or ask staff",
    service_level_hint: "called within", kyc_today: "KYC today", voice_turns: "Voice turns",
    rate_title: "Rate our service", rate_idle: "When your visit is done, please rate our service here",
    rate_question: "How was our service today? Tap a score", rate_thanks: "Thank you for your rating!",
    rate_already: "This visit has been rated. Thank you!", rating_5: "Excellent", rating_4: "Good",
    rating_3: "Fair", rating_2: "Poor", rating_1: "Very poor", tag_friendly: "Friendly", tag_fast: "Quick",
    tag_professional: "Knowledgeable", tag_clear: "Clear explanations", tag_long_wait: "Long wait",
    tag_slow_service: "Slow service", tag_unfriendly: "Unfriendly", tag_unclear: "Unclear explanations",
    tag_environment: "Uncomfortable hall", satisfaction_today: "Satisfaction today", ratings: "Ratings",
    average: "Average", no_ratings: "No ratings today",
  },
};

// The branch floor: teller console and calling display.
Object.assign(TEXT.zh, {
  teller_title: "柜员工作台", pick_window: "请选择您的窗口", window_id: "窗口号", services_served: "办理业务",
  open_window: "开窗", change_window: "换窗口", close_window: "关窗", pause_window: "暂停",
  call_next: "叫号", recall: "重呼", no_show: "未到", transfer: "转移", finish: "完成", undo: "撤销叫号",
  current_customer: "当前客户", no_customer: "暂无客户，请按 F1 或空格叫号", nobody_waiting: "暂无等候客户",
  waited: "已等待", at_window_for: "到窗时长", prepared_form: "数字员工预填表单", none: "无 / none",
  lines_here: "本窗口业务排队", next_numbers: "下一位", served_today: "今日已办", avg_handling: "平均办理时长",
  transfer_to: "转移到", cancel: "取消", undo_hint: "5 秒内可撤销", window_closed: "窗口未开放",
  display_title: "叫号", latest_calls: "最新叫号", please_go: "请到", window_no: "号窗口", people_waiting: "等候",
  expected_wait: "预计等待", next_up: "即将叫号", keys: "快捷键", called_to: "已叫号到",
  sound_on: "点击开启语音播报", min_short: "分钟",
  transfer_services: "业务", transfer_windows: "窗口", directed_here: "转到本窗口等候",
});
Object.assign(TEXT.en, {
  teller_title: "Teller console", pick_window: "Choose your window", window_id: "Window", services_served: "Services",
  open_window: "Open window", change_window: "Change window", close_window: "Close window", pause_window: "Break",
  call_next: "Call next", recall: "Recall", no_show: "No-show", transfer: "Transfer", finish: "Finish",
  undo: "Undo call", current_customer: "Current customer", no_customer: "No customer: press F1 or Space to call",
  nobody_waiting: "Nobody waiting", waited: "Waited", at_window_for: "At the window", prepared_form:
  "Prepared form from the digital employee", none: "无 / none", lines_here: "Lines of this window",
  next_numbers: "Next", served_today: "Served today", avg_handling: "Average handling", transfer_to: "Transfer to",
  cancel: "Cancel", undo_hint: "undo within 5 s", window_closed: "Window not open",
  display_title: "Now calling", latest_calls: "Latest calls", please_go: "please go to", window_no: "",
  people_waiting: "Waiting", expected_wait: "Expected wait", next_up: "Next numbers", keys: "Keys",
  called_to: "called to", sound_on: "Click to turn on spoken calls", min_short: "min",
  transfer_services: "Service", transfer_windows: "Window", directed_here: "Directed to this window",
});

// The branch's address and phone on the configuration page (told to customers by the digital employee).
Object.assign(TEXT.zh, { address: "地址", address_zh: "中文地址", address_en: "英文地址", branch_phone: "电话", address_hint: "数字员工会告诉客户；中英文都填，或都留空", r_control_character: "不能包含换行、制表符等控制字符" });
Object.assign(TEXT.en, { address: "Address", address_zh: "Chinese address", address_en: "English address", branch_phone: "Phone", address_hint: "The digital employee tells customers; fill in both languages, or leave both empty" });

// Branch configuration and reports (records).
Object.assign(TEXT.zh, {
  config_title: "网点配置", reports_title: "运营报表", dashboard: "看板", nav_config: "配置", nav_reports: "报表", nav_officer: "商户审核",
  version: "版本", updated: "更新于", by: "修改人", save_changes: "保存修改", discard: "放弃修改", reload: "重新加载",
  saved: "已保存", unsaved: "有未保存的修改", saving: "保存中…", stale: "其他人已修改此配置，请重新加载后再改",
  not_configured: "此网点尚无配置。请联系总行为网点创建配置后再在此修改。", read_only: "只读：仅网点经理可修改",
  invalid_config: "配置未保存，请修改标出的项目", branch_info: "网点信息", name: "名称", timezone: "时区",
  hours: "营业时间", closed_day: "休息", add_span: "+ 时段", remove: "删除", holidays: "节假日", add_holiday: "+ 节假日",
  date: "日期", services: "业务", code: "代码", name_zh: "中文名", name_en: "英文名", target_wait: "目标等待（分钟）",
  prefix: "号码前缀", label: "标识", skills: "技能", max_day: "每日上限（分钟）", max_week: "每周上限（分钟）",
  absences: "缺勤", add_absence: "+ 缺勤", add_late: "+ 迟到", arrives_at: "到岗", arrives_at_hint: "迟到：当天几点到岗（留空为全天缺勤）", from: "从", to: "至", audit: "修改记录", no_audit: "暂无修改记录",
  changed: "修改", added: "新增", removed: "删除", created: "创建", branch_fields: "网点", order: "顺序",
  mon: "周一", tue: "周二", wed: "周三", thu: "周四", fri: "周五", sat: "周六", sun: "周日",
  r_invalid_hours: "结束时间须晚于开始时间", r_overlapping_hours: "时段重叠", r_invalid_absence: "结束日期早于开始日期",
  r_skill_not_offered: "没有窗口办理此技能的业务", r_unknown_service: "不是本网点的业务", r_duplicate_id: "编号重复",
  r_duplicate_ticket_prefix: "号码前缀重复", r_invalid_time_zone: "时区无效", r_unknown_window: "窗口不存在",
  r_unknown_field: "未知字段", r_invalid: "输入无效",
  day_view: "日报", week_view: "周报", month_view: "月报", pdf: "PDF", arrivals_total: "到达", served: "已办理",
  within_target: "达标率", wait_p50: "等待中位数", wait_p90: "等待 P90", handling_avg: "平均办理",
  rating_avg: "平均评分", containment: "语音自助完成率", kyc_decisions: "身份核验", alerts_raised: "提醒",
  forecast: "预测", per_interval: "每 15 分钟", share_within_target: "达标率（每 15 分钟）", waits: "等待时间（分钟）",
  per_day: "每日", alert_kind: "提醒类型", raised: "发出", escalated: "升级", acknowledged: "已确认",
  ack_avg: "平均确认（秒）", decision: "结果", count: "次数", sessions: "会话", turns: "对话轮次",
  completed_without_staff: "自助完成", handed_off: "转人工", no_data: "该时段暂无数据", reports_down: "报表服务暂不可用",
  network: "全网报表", ranking: "网点排名", trend: "全网趋势", csv: "下载 CSV", last_7: "近 7 天", last_30: "近 30 天",
  rank: "排名", change: "变化（百分点）", pick_branch: "选择网点", arrivals_per_day: "每日到达与办理", devices: "设备",
});
Object.assign(TEXT.en, {
  config_title: "Branch configuration", reports_title: "Reports", dashboard: "Dashboard", nav_config: "Configuration",
  nav_reports: "Reports", nav_officer: "Merchant review", version: "Version", updated: "Updated", by: "by", save_changes: "Save changes",
  discard: "Discard changes", reload: "Reload", saved: "Saved", unsaved: "Unsaved changes", saving: "Saving…",
  stale: "Someone else changed this configuration: reload it, then make your change again",
  not_configured: "This branch has no configuration yet. Ask head office to create it, then edit it here.",
  read_only: "Read only: only the branch manager may change it",
  invalid_config: "Not saved: please correct the marked fields", branch_info: "Branch", name: "Name",
  timezone: "Time zone", hours: "Opening hours", closed_day: "Closed", add_span: "+ span", remove: "Remove",
  holidays: "Holidays", add_holiday: "+ holiday", date: "Date", services: "Services", code: "Code",
  name_zh: "Chinese name", name_en: "English name", target_wait: "Target wait (min)", prefix: "Ticket prefix",
  label: "Label", skills: "Skills", max_day: "Max min/day", max_week: "Max min/week", absences: "Absences",
  add_absence: "+ absence", add_late: "+ late arrival", arrives_at: "arrives", arrives_at_hint: "Late arrival: the time they come in that day (empty: absent all day)", from: "from", to: "to", audit: "Change log", no_audit: "No changes yet",
  changed: "changed", added: "added", removed: "removed", created: "created", branch_fields: "branch", order: "order",
  mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun",
  r_invalid_hours: "Must close after it opens", r_overlapping_hours: "Spans overlap",
  r_invalid_absence: "Ends before it starts", r_skill_not_offered: "No window offers this skill",
  r_unknown_service: "Not a service of this branch", r_duplicate_id: "Duplicate id",
  r_duplicate_ticket_prefix: "Duplicate ticket prefix", r_invalid_time_zone: "Unknown time zone",
  r_unknown_window: "No such window", r_unknown_field: "Unknown field", r_invalid: "Invalid value",
  day_view: "Day", week_view: "Week", month_view: "Month", pdf: "PDF", arrivals_total: "Arrivals", served: "Served",
  within_target: "Within target", wait_p50: "Wait p50", wait_p90: "Wait p90", handling_avg: "Avg handling",
  rating_avg: "Avg rating", containment: "Voice containment", kyc_decisions: "KYC checks", alerts_raised: "Alerts",
  forecast: "Forecast", per_interval: "per 15 minutes", share_within_target: "Within target (per 15 minutes)",
  waits: "Waits (min)", per_day: "per day", alert_kind: "Alert", raised: "Raised", escalated: "Escalated",
  acknowledged: "Acknowledged", ack_avg: "Avg ack (s)", decision: "Decision", count: "Count", sessions: "Sessions",
  turns: "Turns", completed_without_staff: "Completed alone", handed_off: "Handed off",
  no_data: "No data for this period", reports_down: "Reports are unavailable", network: "Network reports",
  ranking: "Branch ranking", trend: "Network trend", csv: "Download CSV", last_7: "Last 7 days",
  last_30: "Last 30 days", rank: "Rank", change: "Change (points)", pick_branch: "Branch",
  arrivals_per_day: "Arrivals and served per day", devices: "Devices",
});

// The digital employee's prepared form on the teller console: its kinds (intents) and fields.
Object.assign(TEXT.zh, {
  form_field: "项目", form_value: "内容", form_fix: "更正", form_saved: "已更正", form_empty: "（客户未说明具体内容）",
  f_amount: "金额", f_currency: "币种", f_date: "日期", f_date_range: "日期范围", f_time: "时间", f_account_last4: "卡号后四位",
  f_payee: "收款人", f_term: "期限", f_card_type: "卡种", f_country: "国家/地区", f_bill_type: "缴费类型",
  f_loan_type: "贷款类型", f_purpose: "用途", f_service: "业务", f_phone: "手机号", f_id_number: "证件号码",
  k_transfer: "转账汇款", k_cash_withdrawal: "取款", k_large_cash_appointment: "大额取现预约", k_cash_deposit: "存款",
  k_coin_exchange: "零钱/残损币兑换", k_fixed_deposit: "定期存款", k_deposit_certificate: "开存款证明", k_open_account: "开户/办卡",
  k_close_account: "销户", k_card_loss_report: "挂失", k_card_unfreeze: "解挂/解冻", k_card_replacement: "补卡/换卡",
  k_password_reset: "重置密码", k_phone_number_change: "修改预留手机号", k_personal_info_update: "更新身份证信息",
  k_limit_adjustment: "调整转账限额", k_ukey_service: "U盾/令牌业务", k_credit_card_application: "申请信用卡",
  k_loan_inquiry: "贷款咨询", k_loan_repayment: "还贷款", k_mortgage_inquiry: "房贷咨询", k_wealth_products: "理财产品咨询",
  k_fx_exchange: "外币兑换", k_international_remittance: "境外汇款", k_social_security_card: "社保卡业务",
  k_corporate_account: "对公开户咨询", k_take_ticket: "取号", k_appointment_booking: "预约办理", k_fraud_report: "反诈报告",
});
Object.assign(TEXT.en, {
  form_field: "Field", form_value: "Value", form_fix: "Correct", form_saved: "Corrected", form_empty: "(no details given)",
  f_amount: "Amount", f_currency: "Currency", f_date: "Date", f_date_range: "Dates", f_time: "Time",
  f_account_last4: "Account (last 4)", f_payee: "Payee", f_term: "Term", f_card_type: "Card type", f_country: "Country",
  f_bill_type: "Bill type", f_loan_type: "Loan type", f_purpose: "Purpose", f_service: "Service", f_phone: "Phone",
  f_id_number: "ID number", k_transfer: "Transfer", k_cash_withdrawal: "Cash withdrawal",
  k_large_cash_appointment: "Large withdrawal booking", k_cash_deposit: "Cash deposit", k_coin_exchange: "Coin exchange",
  k_fixed_deposit: "Time deposit", k_deposit_certificate: "Deposit certificate", k_open_account: "Open an account",
  k_close_account: "Close an account", k_card_loss_report: "Lost card", k_card_unfreeze: "Unblock card",
  k_card_replacement: "Replace card", k_password_reset: "Reset PIN", k_phone_number_change: "Change phone number",
  k_personal_info_update: "Update ID details", k_limit_adjustment: "Transfer limit", k_ukey_service: "Security token",
  k_credit_card_application: "Credit card application", k_loan_inquiry: "Loan enquiry", k_loan_repayment: "Loan repayment",
  k_mortgage_inquiry: "Mortgage enquiry", k_wealth_products: "Investment products", k_fx_exchange: "Currency exchange",
  k_international_remittance: "International transfer", k_social_security_card: "Social security card",
  k_corporate_account: "Business account", k_take_ticket: "Queue number", k_appointment_booking: "Appointment",
  k_fraud_report: "Fraud report",
});

// Texts a page module brings along (kept next to the page that uses them).
export function addTexts(zh, en) {
  Object.assign(TEXT.zh, zh);
  Object.assign(TEXT.en, en);
}

let lang = localStorage.getItem("bo-lang") === "en" ? "en" : "zh";
const listeners = [];

export function t(key) {
  return (TEXT[lang] && TEXT[lang][key]) ?? TEXT.zh[key] ?? key;
}

// A wait as people say it: "无需等待" / "no wait", "约 3 分钟" / "about 3 min" when the range is narrow,
// else "5–12 分钟" / "5–12 min"; never "1–1". low and high in minutes (high: the pessimistic end).
export function waitText(low, high) {
  if (low == null && high == null) return "—";
  const hi = Math.round(Math.max(Number(high ?? low) || 0, Number(low) || 0));
  if (hi < 1) return t("no_wait");
  const lo = Math.min(Math.max(1, Math.round(Number(low) || 0)), hi);
  if (hi - lo <= 1) return lang === "zh" ? `约 ${hi} 分钟` : `about ${hi} min`;
  return lang === "zh" ? `${lo}–${hi} 分钟` : `${lo}–${hi} min`;
}

// A failed call in the page's language (the gateway's problem texts are English, for operators and logs).
export function problemText(error) {
  const status = error && error.status;
  if (!status) return t("p_net");
  if (status >= 500) return t("p_5xx");
  return TEXT.zh[`p_${status}`] ? t(`p_${status}`) : t("error");
}

export function currentLang() {
  return lang;
}

export function applyTexts(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

export function setLang(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("bo-lang", lang);
  applyTexts();
  for (const fn of listeners) fn(lang);
}

export function bindToggle(button) {
  button.addEventListener("click", () => setLang(lang === "zh" ? "en" : "zh"));
}
