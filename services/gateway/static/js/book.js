// The booking page /book/{branch}: pick a service, a day (today and the next days) and a free slot (the queue's
// slot availability, after the walk-in share), optionally leave a phone number, and get a confirmation code with
// its QR code (the kiosk's check-in scanner types it); look an appointment up by its code and cancel it. No login:
// the gateway's public relays, rate-limited per address (a 429 says when to try again).
const TEXT = {
  zh: {
    title: "预约办理", lang: "English", step_service: "1. 选择业务", step_day: "2. 选择日期", step_slot: "3. 选择时段",
    phone_label: "手机号（选填，用于预约提醒）", phone_note: "号码只用于本次预约的提醒，不会显示在任何页面。",
    book: "确认预约", your_code: "您的预约码", cancel: "取消预约", book_another: "再约一个",
    cancel_confirm: "确定取消这个预约吗？", cancel_yes: "确定取消", cancel_no: "保留预约",
    check_in_hint: "到网点后在自助机点“我有预约”，输入或扫描预约码签到取号（预约时间前 30 分钟起）。",
    lookup_title: "已有预约？查看或取消", lookup: "查看", code_placeholder: "8 位预约码", privacy: "本页不显示任何个人信息。",
    today: "今天", tomorrow: "明天", free: "余", full: "已满", past: "已过", pick_slot: "请选择一个时段",
    loading: "加载中…", no_plan: "该日暂未开放预约，请选择其他日期", no_slots: "该日没有可预约的时段",
    slot_full: "该时段刚刚约满，请选择其他时段", outside_hours: "所选时间不在营业时间内，请重新选择",
    not_a_slot: "所选时间不是预约时段的开始，请重新选择", in_the_past: "该时段已开始，请选择稍后的时段",
    too_far_ahead: "只能预约近两周内的日期", phone_bad: "手机号格式不正确（可不填）",
    busy: "请求过于频繁，请 {s} 秒后再试", error: "出错了，请稍后再试", unknown_code: "预约码无效或已过期",
    booked: "已预约", checked_in: "已签到", cancelled: "已取消", no_show: "已过期（未签到）", cancel_failed: "无法取消：",
    cancelled_ok: "预约已取消", booked_ok: "预约成功", at: "", weekdays: "日一二三四五六",
    cash: "现金业务", general: "综合业务", corporate: "对公业务", wealth: "理财业务", fx: "外汇业务",
  },
  en: {
    title: "Book an appointment", lang: "中文", step_service: "1. Service", step_day: "2. Day", step_slot: "3. Time",
    phone_label: "Phone number (optional, for reminders)", phone_note: "Used for this appointment's reminders only; never shown on any page.",
    book: "Book", your_code: "Your appointment code", cancel: "Cancel appointment", book_another: "Book another",
    cancel_confirm: "Cancel this appointment?", cancel_yes: "Yes, cancel", cancel_no: "Keep it",
    check_in_hint: 'At the branch, tap "I have an appointment" on the kiosk and type or scan this code (from 30 minutes before your time).',
    lookup_title: "Have an appointment? See or cancel it", lookup: "Look up", code_placeholder: "8-character code",
    privacy: "This page shows no personal information.",
    today: "Today", tomorrow: "Tomorrow", free: "free", full: "full", past: "past", pick_slot: "Please pick a time",
    loading: "Loading…", no_plan: "This day is not open for booking yet; please pick another day",
    no_slots: "No bookable times on this day",
    slot_full: "That time just filled up; please pick another", outside_hours: "That time is outside opening hours; please pick again",
    not_a_slot: "That is not the start of a slot; please pick again", in_the_past: "That time has started; please pick a later one",
    too_far_ahead: "Appointments can be booked up to two weeks ahead", phone_bad: "That phone number is not valid (it is optional)",
    busy: "Too many requests: please try again in {s} s", error: "Something went wrong; please try again later",
    unknown_code: "Unknown or expired code", booked: "Booked", checked_in: "Checked in", cancelled: "Cancelled",
    no_show: "Lapsed (not checked in)", cancel_failed: "Can't cancel: ", cancelled_ok: "Appointment cancelled",
    booked_ok: "Booked", at: "at", weekdays: "",
    cash: "Cash", general: "General", corporate: "Corporate", wealth: "Wealth", fx: "Foreign exchange",
  },
};
const SERVICES = ["cash", "general", "corporate", "wealth", "fx"];
const DAYS_AHEAD = 6; // today and six more (the gateway accepts up to 13)
const PHONE = /^\+?[0-9][0-9 -]{5,22}[0-9]$/;
const $ = (id) => document.getElementById(id);
const branch = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const page = { lang: pickLang(), service: "cash", day: isoDay(0), slot: null, slots: null, appointment: null };
window.__book = page; // for the browser test

function pickLang() {
  const stored = localStorage.getItem("bo-phone-lang");
  if (stored === "zh" || stored === "en") return stored;
  return (navigator.languages || [navigator.language || "zh"]).some((l) => /^zh/i.test(l)) ? "zh" : "en";
}

function t(key, values = {}) {
  const text = TEXT[page.lang][key] ?? TEXT.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

function isoDay(offset) {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function dayLabel(iso, offset) {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(y, m - 1, d);
  const name = offset === 0 ? t("today") : offset === 1 ? t("tomorrow")
    : page.lang === "zh" ? `周${t("weekdays")[date.getDay()]}` : date.toLocaleDateString("en", { weekday: "short" });
  return [name, `${m}/${d}`];
}

function button(label, small, checked, onclick, attrs = {}) {
  const node = document.createElement("button");
  node.type = "button";
  node.setAttribute("role", "radio");
  node.setAttribute("aria-checked", String(checked));
  node.append(label);
  if (small) {
    const note = document.createElement("small");
    note.textContent = small;
    node.append(note);
  }
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.onclick = onclick;
  return node;
}

function say(key, values, ok = false) {
  const box = $("message");
  if (!key) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.textContent = t(key, values);
  box.classList.toggle("ok", ok);
  box.hidden = false;
  box.dataset.key = key;
}

// A refused call's words: its reason when the page knows it, 429 with the wait, else the generic error.
async function refusal(response) {
  if (response.status === 429) {
    const after = Number(response.headers.get("Retry-After")) || 5;
    return ["busy", { s: after }];
  }
  let reason = null;
  try { reason = (await response.json()).reason; } catch { /* not JSON */ }
  if (response.status === 422 && !reason) return ["phone_bad", {}];
  return [reason && TEXT.zh[reason] ? reason : "error", {}];
}

function renderChoices() {
  $("services").replaceChildren(...SERVICES.map((s) => button(t(s), null, s === page.service,
    () => { page.service = s; page.slot = null; renderChoices(); loadSlots(); }, { "data-service": s })));
  $("days").replaceChildren(...Array.from({ length: DAYS_AHEAD + 1 }, (_, i) => {
    const iso = isoDay(i);
    const [name, date] = dayLabel(iso, i);
    return button(name, date, iso === page.day,
      () => { page.day = iso; page.slot = null; renderChoices(); loadSlots(); }, { "data-day": iso });
  }));
  renderSlots();
}

function renderSlots() {
  const box = $("slots");
  const day = page.slots;
  if (!day) {
    box.replaceChildren();
    return;
  }
  if (day.plan_version === null || day.plan_version === undefined) {
    $("slots-note").textContent = t("no_plan");
    box.replaceChildren();
  } else {
    const open = day.slots.filter((s) => s.bookable);
    $("slots-note").textContent = open.length ? "" : t("no_slots");
    box.replaceChildren(...day.slots.filter((s) => new Date(s.starts_at) > new Date()).map((s) => {
      const note = s.bookable ? `${t("free")} ${s.free}` : s.free > 0 ? t("past") : t("full");
      const node = button(s.start, note, s.start === page.slot,
        () => { page.slot = s.start; say(null); renderSlots(); }, { "data-slot": s.start });
      node.disabled = !s.bookable;
      return node;
    }));
  }
  $("book").disabled = !page.slot;
}

async function loadSlots() {
  const wanted = `${page.service}|${page.day}`;
  page.slots = null;
  $("slots-note").textContent = t("loading");
  renderSlots();
  const query = new URLSearchParams({ service: page.service, date: page.day });
  try {
    const response = await fetch(`/v1/public/branches/${encodeURIComponent(branch)}/appointments/slots?${query}`,
      { credentials: "omit" });
    if (`${page.service}|${page.day}` !== wanted) return; // the customer picked something else meanwhile
    if (!response.ok) {
      const [key, values] = await refusal(response);
      $("slots-note").textContent = t(key, values);
      return;
    }
    page.slots = await response.json();
    if (page.slot && !page.slots.slots.some((s) => s.start === page.slot && s.bookable)) page.slot = null;
    renderSlots();
  } catch {
    $("slots-note").textContent = t("error");
  }
}

async function book() {
  const phone = $("phone").value.trim();
  if (phone && !PHONE.test(phone)) return say("phone_bad");
  if (!page.slot) return say("pick_slot");
  $("book").disabled = true;
  try {
    const body = { service: page.service, date: page.day, start: page.slot, lang: page.lang, ...(phone ? { phone } : {}) };
    const response = await fetch(`/v1/public/branches/${encodeURIComponent(branch)}/appointments`, {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (response.status !== 201) {
      const [key, values] = await refusal(response);
      say(key, values);
      if (key === "slot_full" || key === "in_the_past") { page.slot = null; loadSlots(); }
      return;
    }
    $("phone").value = "";
    showAppointment(await response.json());
    say("booked_ok", {}, true);
  } catch {
    say("error");
  } finally {
    $("book").disabled = !page.slot;
  }
}

function showAppointment(appointment) {
  page.appointment = appointment;
  $("pick").hidden = true;
  $("done").hidden = false;
  $("confirm").hidden = true;
  renderAppointment();
  $("done").scrollIntoView({ block: "start" });
}

function renderAppointment() {
  const a = page.appointment;
  if (!a) return;
  $("code").textContent = a.code;
  $("code-qr").src = `/v1/qr?data=${encodeURIComponent(a.code)}`;
  $("code-qr").alt = `${t("your_code")} ${a.code}`;
  const [, date] = dayLabel(a.date, -1);
  $("when").textContent = `${t(a.service)} · ${a.date.slice(0, 4)}/${date} ${t("at")} ${a.start}`.replace("  ", " ");
  $("status").textContent = t(a.status);
  $("status").dataset.status = a.status;
  $("cancel").hidden = a.status !== "booked";
  $("check-in-hint").hidden = a.status !== "booked";
}

async function cancel() {
  const a = page.appointment;
  $("confirm-yes").disabled = true;
  try {
    const response = await fetch(`/v1/public/appointments/${encodeURIComponent(a.code)}/cancel`,
      { method: "POST", credentials: "omit" });
    $("confirm").hidden = true;
    if (response.ok) {
      page.appointment = await response.json();
      renderAppointment();
      say("cancelled_ok", {}, true);
      return;
    }
    if (response.status === 404) return say("unknown_code");
    const [key, values] = await refusal(response);
    say(key === "error" ? "error" : key, values);
  } catch {
    say("error");
  } finally {
    $("confirm-yes").disabled = false;
  }
}

async function lookup(event) {
  event.preventDefault();
  const code = $("lookup-code").value.trim().toUpperCase().replace(/[\s-]/g, "");
  if (!code) return;
  try {
    const response = await fetch(`/v1/public/appointments/${encodeURIComponent(code)}`, { credentials: "omit" });
    if (response.ok) {
      say(null);
      showAppointment(await response.json());
      return;
    }
    if (response.status === 404) return say("unknown_code");
    const [key, values] = await refusal(response);
    say(key, values);
  } catch {
    say("error");
  }
}

function applyTexts() {
  document.documentElement.lang = page.lang === "zh" ? "zh-CN" : "en";
  $("lang").lang = page.lang === "zh" ? "en" : "zh-CN";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-placeholder]")) node.placeholder = t(node.dataset.tPlaceholder);
  document.title = t("title");
  const key = $("message").dataset.key;
  if (!$("message").hidden && key) $("message").textContent = t(key);
}

function main() {
  applyTexts();
  $("lang").onclick = () => {
    page.lang = page.lang === "zh" ? "en" : "zh";
    localStorage.setItem("bo-phone-lang", page.lang);
    applyTexts();
    renderChoices();
    renderAppointment();
  };
  $("book").onclick = book;
  $("cancel").onclick = () => { $("confirm").hidden = false; };
  $("confirm-no").onclick = () => { $("confirm").hidden = true; };
  $("confirm-yes").onclick = cancel;
  $("again").onclick = () => {
    page.appointment = null;
    page.slot = null;
    $("done").hidden = true;
    $("pick").hidden = false;
    say(null);
    loadSlots();
  };
  $("lookup-form").onsubmit = lookup;
  renderChoices();
  loadSlots();
}

main();
