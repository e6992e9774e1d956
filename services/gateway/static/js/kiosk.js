// Kiosk: take a ticket and follow it, start KYC, talk with the digital employee.
import { el, fill, openStream, SERVICES, TOPIC } from "./api.js";
import { bindDeviceSetup, callWithRelogin, loginDevice, storedDeviceKey } from "./device.js";
import {
  addTexts, applyTexts, bindToggle, currentLang, onLangChange, t, problemText, waitText as rangeText,
} from "./i18n.js";
import { bindCheckIn, showBookingLink, showPhoneLink } from "./kiosk-appointment.js";
import { startKyc, stopKyc } from "./kyc.js";
import { startVoice, stopVoice } from "./voice.js";

const $ = (id) => document.getElementById(id);
const kiosk = {
  branch: null, id: null, ticket: null, token: null, stream: null, forecast: null, homeTimer: null, identity: null,
};

// Self-service by touch: each button starts the digital employee's flow with the words a customer would say.
// The customer's own accounts need the identity check (ID card + face) first; rates do not.
const SELF_SERVICE = {
  balance_inquiry: { zh: "查一下余额", en: "check my balance", identity: true },
  transaction_history: { zh: "看看交易明细", en: "show me my transaction history", identity: true },
  credit_card_repayment: { zh: "我要还信用卡", en: "I want to repay my credit card", identity: true },
  utility_payment: { zh: "我要交电费", en: "pay my electricity bill", identity: true },
  fx_rate: { zh: "外汇牌价", en: "what are the exchange rates", identity: false },
  statement_print: { zh: "打印这个月的对账单", en: "print my statement for this month", identity: true },
  password_change: { zh: "修改密码", en: "change my PIN", identity: true },
  mobile_banking_activation: { zh: "开通手机银行", en: "activate mobile banking", identity: true },
  sms_alert_service: { zh: "开通短信通知", en: "I want SMS alerts", identity: true },
  digital_rmb_wallet: { zh: "数字人民币钱包充值", en: "top up my digital RMB wallet", identity: true },
  credit_card_activation: { zh: "激活信用卡", en: "activate my credit card", identity: true },
  pension_inquiry: { zh: "养老金查询", en: "check my pension", identity: true },
};
addTexts(
  { self_service_title: "自助办理", ss_balance_inquiry: "余额查询", ss_transaction_history: "交易明细",
    ss_credit_card_repayment: "信用卡还款", ss_utility_payment: "生活缴费", ss_fx_rate: "外汇牌价",
    ss_statement_print: "打印对账单", ss_password_change: "修改密码", ss_mobile_banking_activation: "开通手机银行",
    ss_sms_alert_service: "短信通知", ss_digital_rmb_wallet: "数字人民币钱包", ss_credit_card_activation: "信用卡激活",
    ss_pension_inquiry: "养老金查询" },
  { self_service_title: "Self-service", ss_balance_inquiry: "Balance", ss_transaction_history: "Transactions",
    ss_credit_card_repayment: "Card repayment", ss_utility_payment: "Pay a bill", ss_fx_rate: "FX rates",
    ss_statement_print: "Print statement", ss_password_change: "Change PIN", ss_mobile_banking_activation: "Mobile banking",
    ss_sms_alert_service: "SMS alerts", ss_digital_rmb_wallet: "Digital RMB wallet",
    ss_credit_card_activation: "Activate card", ss_pension_inquiry: "Pension" },
);

// Services some window serves now, as the newest forecast says (null: no forecast yet, offer them all).
function servedNow() {
  if (!kiosk.forecast) return null;
  return new Set(kiosk.forecast.filter((s) => s.open_windows > 0).map((s) => s.service));
}

export function show(screen) {
  for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== screen;
  $("error").hidden = true;
}

export function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

async function deviceLogin() {
  const who = await loginDevice();
  kiosk.branch = who.branch_id;
  kiosk.id = who.kiosk_id;
}

// Any call: on 401 (the session cookie expired) log the device in again and retry once.
export const call = callWithRelogin(deviceLogin);

function waitText(wait) {
  if (!wait) return "—";
  return rangeText(wait.low_min, wait.high_min);
}

function renderTicket() {
  const x = kiosk.ticket;
  if (!x) return;
  $("ticket-number").textContent = x.number;
  $("ticket-service").textContent = t(x.service);
  $("ticket-ahead").textContent = x.position == null ? "—" : Math.max(x.position - 1, 0);
  const scheduled = kiosk.appointment && x.status === "issued" && x.position == null; // joins at its time
  $("ticket-ahead").closest("p").hidden = scheduled;
  $("ticket-wait").closest("p").hidden = scheduled;
  const served = servedNow();
  $("ticket-wait").textContent = served && !served.has(x.service) ? t("no_window_now") : waitText(x.wait);
  const [open, close] = currentLang() === "zh" ? ["（", "）"] : [" (", ")"];
  const note = kiosk.appointment ? `${t("checked_in")}${open}${t("slot_at")} ${kiosk.appointment.start}${close} · ` : "";
  $("ticket-status").textContent = note + (x.window_id ? `${t(x.status)} → ${t("window")} ${x.window_id}` : t(x.status));
}

function renderQueueLine() {
  const parts = (kiosk.forecast || []).filter((s) => s.waiting > 0)
    .map((s) => `${t(s.service)} ${s.waiting}${t("persons")}`);
  $("queue-line").textContent = parts.length ? `${t("waiting")}: ${parts.join(" · ")}` : "";
}

async function refreshTicket() {
  if (!kiosk.ticket) return;
  kiosk.ticket = await call(`/v1/branches/${kiosk.branch}/tickets/${kiosk.ticket.ticket_id}`);
  renderTicket();
}

// A ticket just issued (taken here or by appointment check-in): the slip with its phone page QR code.
function showTicket(ticket, appointment = null) {
  kiosk.ticket = ticket;
  kiosk.token = ticket.token || null;
  kiosk.appointment = appointment;
  renderTicket();
  showPhoneLink($("ticket-qr"), $("ticket-qr-img"), $("ticket-link"), kiosk.token);
  show("ticket");
  follow(ticket.ticket_id);
  clearTimeout(kiosk.homeTimer);
  kiosk.homeTimer = setTimeout(home, 60000);
}

function follow(ticketId) {
  if (kiosk.stream) kiosk.stream.close();
  const query = ticketId ? `?tickets=${encodeURIComponent(ticketId)}` : "";
  kiosk.stream = openStream(`/v1/branches/${kiosk.branch}/stream${query}`, {
    types: [TOPIC.tickets, TOPIC.forecast],
    onEvent: (type, envelope) => {
      if (type === TOPIC.forecast) {
        kiosk.forecast = envelope.data.per_service || [];
        renderQueueLine();
        renderServices();
      }
      refreshTicket().catch(() => {});
    },
  });
}

async function take(service, button) {
  button.disabled = true;
  try {
    showTicket(await call(`/v1/branches/${kiosk.branch}/tickets`, { method: "POST", json: { service } }));
  } catch (error) {
    showError(`${t("error")} (${problemText(error)})`);
  } finally {
    button.disabled = false;
  }
}

function selfService(intent) {
  const flow = SELF_SERVICE[intent];
  const talk = () => { show("voice"); startVoice(kiosk, { call, showError }, flow[currentLang()] || flow.zh); };
  if (flow.identity && !kiosk.identity) {
    show("kyc");
    startKyc(kiosk, { call, home, showError, onVerified: () => setTimeout(() => { stopKyc(); talk(); }, 1500) });
    return;
  }
  talk();
}

function home() {
  clearTimeout(kiosk.homeTimer);
  stopKyc();
  stopVoice();
  kiosk.identity = null;  // the next customer verifies again
  kiosk.ticket = null;
  kiosk.token = null;
  kiosk.appointment = null;
  show("home");
}

// Only what a window serves now can be taken; the rest stay visible, marked as not open now.
function renderServices() {
  const served = servedNow();
  const key = `${currentLang()}|${served ? [...served].sort().join(",") : "*"}`;
  if ($("services").dataset.shown === key) return;
  $("services").dataset.shown = key;
  fill($("services"), SERVICES.map((service) => {
    const open = !served || served.has(service);
    const button = el("button", { type: "button", class: open ? "tile" : "tile closed", "data-service": service,
      "data-open": String(open) }, el("span", { text: t(service) }),
      open ? null : el("small", { text: t("not_open_now") }));
    button.disabled = !open;
    button.addEventListener("click", () => take(service, button));
    return button;
  }));
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => { renderServices(); renderTicket(); renderQueueLine(); });
  bindDeviceSetup($, main);
  try {
    await deviceLogin();
  } catch (error) {
    $("setup-error").textContent = storedDeviceKey() ? t(error.status === 401 ? "device_unknown" : "error") : "";
    show("setup");
    return;
  }
  document.body.dataset.branch = kiosk.branch;
  renderServices();
  showBookingLink($("book-qr"), $("book-qr-img"), kiosk.branch);
  $("ticket-done").onclick = home;
  $("go-kyc").onclick = () => { show("kyc"); startKyc(kiosk, { call, home, showError }); };
  $("go-voice").onclick = () => { show("voice"); startVoice(kiosk, { call, showError }); };
  for (const button of document.querySelectorAll("#self-service [data-self]")) {
    button.onclick = () => selfService(button.dataset.self);
  }
  $("kyc-back").onclick = home;
  $("voice-back").onclick = home;
  bindCheckIn(kiosk, { $, call, show, home, showTicket });
  follow(null);
  home();
}

main().catch((error) => showError(`${t("error")} (${problemText(error)})`));
