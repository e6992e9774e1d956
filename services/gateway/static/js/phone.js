// The customer's phone ticket page /t/{token}: the ticket's number, live place in line and expected wait, the
// window when called, "your turn is near", cancel. Long-polls the gateway's public relay (no login): each
// request carries the ETag of the last answer and is answered when the ticket changes (or after 25 s); backs
// off on errors and on 429 (Retry-After). Notifications and vibration only after the customer asks for them.
const TEXT = {
  zh: {
    title: "我的排队号", lang: "English", your_number: "您的号码", window: "窗口", ahead: "前面还有", persons: "人",
    wait: "预计等待", notify_me: "到号时提醒我", notify_on: "已开启提醒", notify_blocked: "浏览器未允许通知，请留意本页",
    cancel_ticket: "取消排队", cancel_confirm: "确定要取消排队吗？取消后号码作废。", cancel_yes: "确定取消",
    cancel_no: "继续排队", invalid_title: "链接无效",
    invalid_text: "此链接无效或已过期。请以取号单上的二维码重新打开，或咨询网点工作人员。", loading: "加载中…",
    privacy: "本页不显示任何个人信息。", near: "请回到网点，留意叫号", near_title: "快到您了",
    called: "请到窗口办理", called_title: "请到窗口", serving: "正在办理", issued: "排队中",
    completed: "业务已办理完成，感谢您的光临", cancelled: "此号已取消", no_show: "此号已过号，请咨询工作人员",
    abandoned: "此号已失效", transferred: "此号已转至其他业务，请留意叫号或咨询工作人员",
    updated: "更新于", scheduled: "预约号将在预约时间自动加入排队，届时本页显示前面人数", offline: "网络不稳定，正在重试…", busy: "请求过于频繁，稍后自动刷新",
    no_wait: "无需等待", cancel_failed: "无法取消：此号已被叫号或已办理",
    cash: "现金业务", general: "综合业务", corporate: "对公业务", wealth: "理财业务", fx: "外汇业务",
    sms_label: "短信提醒：快到号和叫号时发短信给我", sms_send: "提交", sms_note: "号码只用于本次提醒，当天结束即删除。",
    sms_saved: "已登记，快到号和叫号时会发短信给您", sms_bad: "请输入正确的手机号码", sms_failed: "登记失败，请稍后再试",
    book_link: "预约下次办理（选择业务和时段）",
  },
  en: {
    title: "My ticket", lang: "中文", your_number: "Your number", window: "Window", ahead: "People ahead",
    persons: "", wait: "Expected wait", notify_me: "Alert me when it's near", notify_on: "Alerts on",
    notify_blocked: "Notifications are blocked: keep this page open", cancel_ticket: "Cancel my ticket",
    cancel_confirm: "Cancel your place in line? The number can't be used again.", cancel_yes: "Yes, cancel",
    cancel_no: "Keep my place", invalid_title: "This link is not valid",
    invalid_text: "The link is not valid or has expired. Scan the QR code on your ticket again, or ask our staff.",
    loading: "Loading…", privacy: "This page shows no personal information.",
    near: "Please come back to the branch and watch for your number", near_title: "Your turn is near",
    called: "Please go to the window", called_title: "Please go to the window", serving: "Being served",
    issued: "Waiting", completed: "Done. Thank you for your visit", cancelled: "This ticket was cancelled",
    no_show: "This number was called and missed; please ask our staff", abandoned: "This ticket is no longer valid",
    transferred: "Moved to another service: watch for your call or ask our staff", updated: "Updated",
    scheduled: "Your appointment ticket joins the line at its time; this page then shows who is ahead",
    offline: "Connection unsteady, retrying…", busy: "Too many requests; refreshing shortly", no_wait: "no wait",
    cancel_failed: "Can't cancel: the ticket was already called or is done",
    cash: "Cash", general: "General", corporate: "Corporate", wealth: "Wealth", fx: "Foreign exchange",
    sms_label: "Text me when my turn is near and when I'm called", sms_send: "Send",
    sms_note: "Used for these messages only, deleted when the day ends.",
    sms_saved: "Saved: you'll get a text when your turn is near and when you're called",
    sms_bad: "Please enter a valid phone number", sms_failed: "Could not save it; please try again later",
    book_link: "Book an appointment (pick a service and a time)",
  },
};
const WAIT_S = 25; // how long the gateway holds a request without a change (bench/phone_pages.py does the same)
const GAP_MS = 300; // between two requests while the page is visible
const HIDDEN_MS = 5000; // ... and while it is in the background
const POLL_MS = 2000; // the first retry after an error (doubling up to MAX_BACKOFF_MS)
const MAX_BACKOFF_MS = 30000;
const ACTIVE = new Set(["issued", "called", "serving"]);
const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const page = { lang: pickLang(), ticket: null, etag: null, failures: 0, timer: null, alerted: new Set(), updatedAt: null };
window.__phone = page; // for the browser test

function pickLang() {
  const stored = localStorage.getItem("bo-phone-lang");
  if (stored === "zh" || stored === "en") return stored;
  return (navigator.languages || [navigator.language || "zh"]).some((l) => /^zh/i.test(l)) ? "zh" : "en";
}

function t(key) {
  return TEXT[page.lang][key] ?? TEXT.zh[key] ?? key;
}

function waitText(wait) {
  if (!wait) return "—";
  const hi = Math.max(Math.round(wait.high_min), 0);
  if (hi < 1) return t("no_wait");
  const lo = Math.min(Math.max(1, Math.round(wait.low_min)), hi);
  if (hi - lo <= 1) return page.lang === "zh" ? `约 ${hi} 分钟` : `about ${hi} min`;
  return page.lang === "zh" ? `${lo}–${hi} 分钟` : `${lo}–${hi} min`;
}

function applyTexts() {
  document.documentElement.lang = page.lang === "zh" ? "zh-CN" : "en";
  $("lang").lang = page.lang === "zh" ? "en" : "zh-CN";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = t("title");
}

function render() {
  applyTexts();
  const x = page.ticket;
  if (!x) return;
  const state = x.status === "called" ? "called" : ACTIVE.has(x.status) ? "waiting" : x.status === "completed" ? "done" : "gone";
  document.body.dataset.state = state;
  document.body.dataset.status = x.status;
  $("loading").hidden = true;
  $("invalid").hidden = true;
  $("book-link").href = `/book/${encodeURIComponent(x.branch_id)}`;
  $("book-link").hidden = false;
  $("ticket").hidden = false;
  $("number").textContent = x.number;
  $("service").textContent = t(x.service);
  const waiting = x.status === "issued";
  const scheduled = waiting && x.position == null; // an appointment's ticket: joins the line at its time
  $("facts").hidden = !waiting || scheduled;
  $("ahead").textContent = x.position == null ? "—" : String(Math.max(x.position - 1, 0));
  $("wait").textContent = waitText(x.wait);
  const atWindow = (x.status === "called" || x.status === "serving") && x.window_id;
  $("called").hidden = !atWindow;
  $("called-text").textContent = x.status === "serving" ? t("serving") : t("called");
  $("window").textContent = x.window_id || "—";
  $("status").textContent = atWindow ? "" : scheduled ? t("scheduled") : t(x.status);
  const near = waiting && x.near;
  document.body.dataset.near = String(near);
  $("near").hidden = !near;
  $("cancel").hidden = !waiting;
  $("sms").hidden = !waiting;
  $("notify").hidden = !waiting || !("Notification" in window);
  if (!waiting) $("confirm").hidden = true;
  if ("Notification" in window && Notification.permission === "granted") $("notify").textContent = t("notify_on");
  if (page.updatedAt) {
    const hm = page.updatedAt.toLocaleTimeString(page.lang === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    $("updated").textContent = `${t("updated")} ${hm}`;
  }
}

function showInvalid() {
  stop();
  page.ticket = null;
  document.body.dataset.state = "invalid";
  applyTexts();
  $("loading").hidden = true;
  $("ticket").hidden = true;
  $("near").hidden = true;
  $("invalid").hidden = false;
}

// Tell the customer once per moment (near, called): a notification when they allowed it, a vibration.
function alertOnce(key, title, body) {
  if (page.alerted.has(key)) return;
  page.alerted.add(key);
  try { if (navigator.vibrate) navigator.vibrate(key === "called" ? [300, 150, 300, 150, 300] : [200, 100, 200]); } catch { /* not allowed */ }
  try {
    if ("Notification" in window && Notification.permission === "granted") new Notification(title, { body, tag: `ticket-${key}` });
  } catch { /* some phones only notify through a service worker: the banner and the page still show it */ }
}

function announce(previous, x) {
  if (x.status === "issued" && x.near) alertOnce("near", t("near_title"), `${x.number} · ${t("near")}`);
  if (x.status === "called" && (!previous || previous.status !== "called" || previous.window_id !== x.window_id)) {
    page.alerted.delete("called");
    alertOnce("called", t("called_title"), `${x.number} → ${t("window")} ${x.window_id || ""}`);
  }
}

function stop() {
  clearTimeout(page.timer);
  page.timer = null;
}

function schedule(ms) {
  stop();
  page.timer = setTimeout(poll, ms);
}

function nextDelay() {
  return document.visibilityState === "hidden" ? HIDDEN_MS : GAP_MS;
}

async function poll() {
  page.timer = null;
  const query = page.etag ? `?after=${encodeURIComponent(page.etag)}&wait=${WAIT_S}` : "";
  const abort = new AbortController();
  const guard = setTimeout(() => abort.abort(), (WAIT_S + 15) * 1000);
  let response;
  try {
    response = await fetch(`/v1/public/tickets/${encodeURIComponent(token)}${query}`,
      { cache: "no-store", credentials: "omit", signal: abort.signal });
  } catch {
    return failed();
  } finally {
    clearTimeout(guard);
  }
  if (response.status === 404) return showInvalid();
  if (response.status === 429) {
    const after = Number(response.headers.get("Retry-After")) || 5;
    $("offline").textContent = t("busy");
    $("offline").hidden = false;
    return schedule(Math.min(after * 1000, MAX_BACKOFF_MS));
  }
  if (!response.ok) return failed();
  const x = await response.json();
  page.etag = response.headers.get("ETag");
  const previous = page.ticket;
  page.ticket = x;
  page.failures = 0;
  page.updatedAt = new Date();
  $("offline").hidden = true;
  announce(previous, x);
  render();
  if (ACTIVE.has(x.status)) schedule(nextDelay());
}

function failed() {
  page.failures += 1;
  $("offline").textContent = t("offline");
  $("offline").hidden = page.failures < 2;
  schedule(Math.min(POLL_MS * 2 ** page.failures, MAX_BACKOFF_MS));
}

async function cancel() {
  $("confirm-yes").disabled = true;
  try {
    const response = await fetch(`/v1/public/tickets/${encodeURIComponent(token)}/cancel`, { method: "POST", credentials: "omit" });
    if (response.status === 404) return showInvalid();
    if (response.ok) {
      page.ticket = await response.json();
      page.updatedAt = new Date();
      stop();
    } else {
      $("status").textContent = t("cancel_failed");
    }
    $("confirm").hidden = true;
    render();
    if (!response.ok) $("status").textContent = t("cancel_failed");
  } catch {
    failed();
  } finally {
    $("confirm-yes").disabled = false;
  }
}

async function leaveNumber(event) {
  event.preventDefault();
  const phone = $("sms-phone").value.trim();
  if (!/^\+?[0-9][0-9 -]{5,22}[0-9]$/.test(phone)) { $("sms-note").textContent = t("sms_bad"); return; }
  $("sms-send").disabled = true;
  try {
    const response = await fetch(`/v1/public/tickets/${encodeURIComponent(token)}/contact`, {
      method: "PUT", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ phone, lang: page.lang }),
    });
    if (response.status === 404) return showInvalid();
    $("sms-note").textContent = response.status === 204 ? t("sms_saved") : response.status === 422 ? t("sms_bad") : t("sms_failed");
    if (response.status === 204) $("sms-phone").disabled = true;
  } catch {
    $("sms-note").textContent = t("sms_failed");
  } finally {
    $("sms-send").disabled = $("sms-phone").disabled;
  }
}

async function askNotify() {
  if (!("Notification" in window)) return;
  try {
    const answer = await Notification.requestPermission();
    $("notify").textContent = answer === "granted" ? t("notify_on") : t("notify_blocked");
    if (answer === "granted") $("notify").disabled = true;
  } catch {
    $("notify").textContent = t("notify_blocked");
  }
  try { if (navigator.vibrate) navigator.vibrate(50); } catch { /* no vibration */ }
}

function main() {
  applyTexts();
  $("lang").addEventListener("click", () => {
    page.lang = page.lang === "zh" ? "en" : "zh";
    localStorage.setItem("bo-phone-lang", page.lang);
    page.ticket ? render() : document.body.dataset.state === "invalid" ? applyTexts() : applyTexts();
  });
  $("cancel").addEventListener("click", () => { $("confirm").hidden = false; $("confirm-no").focus(); });
  $("confirm-no").addEventListener("click", () => { $("confirm").hidden = true; });
  $("confirm-yes").addEventListener("click", cancel);
  $("notify").addEventListener("click", askNotify);
  $("sms").addEventListener("submit", leaveNumber);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && page.timer) schedule(0); // waiting between requests: go now
  });
  if (!/^[A-Za-z0-9_.~-]{8,400}$/.test(token)) return showInvalid();
  poll();
}

main();
