// Kiosk: check in by appointment code (on-screen keys, an alphabet without 0/O, 1/I/L), and the phone page
// link of a ticket shown as a QR code drawn by the gateway (/v1/qr, SVG).
import { el, fill } from "./api.js";
import { addTexts, t } from "./i18n.js";

export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const CODE_LENGTH = 8;

addTexts(
  {
    have_appointment: "我有预约", enter_code: "请输入预约码（8 位）", check_in: "签到取号", take_normal: "改取普通号",
    delete_key: "删除", clear_key: "清空", checked_in: "预约已签到", slot_at: "预约时间",
    scan_to_follow: "用手机扫码，随时查看排队进度", code_unknown: "预约码无效，请核对后重新输入",
    code_too_early: "还没到签到时间，请在预约时间前 30 分钟内签到", code_too_late: "已超过签到时间，您可以改取普通号",
    code_already_checked_in: "此预约已签到，请留意叫号", code_no_show: "此预约已过期，您可以改取普通号",
    code_already_cancelled: "此预约已取消，您可以改取普通号", code_short: "请输入完整的 8 位预约码",
    scan_to_book: "扫码预约：选择业务和时段，到店凭预约码签到",
  },
  {
    have_appointment: "I have an appointment", enter_code: "Enter your appointment code (8 characters)",
    check_in: "Check in", take_normal: "Take a normal ticket", delete_key: "Delete", clear_key: "Clear",
    checked_in: "Appointment checked in", slot_at: "slot", scan_to_follow: "Scan with your phone to follow your place in line",
    code_unknown: "Unknown code: please check it and enter it again",
    code_too_early: "Too early to check in: check-in opens 30 minutes before your appointment",
    code_too_late: "Check-in for this appointment has closed: you can take a normal ticket",
    code_already_checked_in: "This appointment is already checked in: watch for your number",
    code_no_show: "This appointment has lapsed: you can take a normal ticket",
    code_already_cancelled: "This appointment was cancelled: you can take a normal ticket",
    code_short: "Please enter all 8 characters of the code",
    scan_to_book: "Scan to book an appointment: pick a service and a time, check in here with the code",
  },
);

// The phone page link of a ticket as a QR code and text; hides `box` when there is no token.
export function showPhoneLink(box, img, text, token) {
  if (!token) {
    box.hidden = true;
    return;
  }
  const path = `/t/${encodeURIComponent(token)}`;
  img.src = `/v1/qr?data=${encodeURIComponent(path)}`;
  img.alt = t("scan_to_follow");
  text.textContent = `${location.host}${path}`;
  box.dataset.path = path;
  box.hidden = false;
}

// The booking page of the kiosk's branch as a QR code on the home screen.
export function showBookingLink(box, img, branch) {
  if (!branch) {
    box.hidden = true;
    return;
  }
  const path = `/book/${encodeURIComponent(branch)}`;
  img.src = `/v1/qr?data=${encodeURIComponent(path)}`;
  img.alt = t("scan_to_book");
  box.dataset.path = path;
  box.hidden = false;
}

const OFFER_WALK_IN = new Set(["too_late", "no_show", "already_cancelled"]);

export function bindCheckIn(kiosk, { $, call, show, home, showTicket }) {
  let code = "";
  const render = () => { $("code").textContent = code.padEnd(CODE_LENGTH, "·"); };
  const message = (key) => {
    $("code-message").dataset.i18n = key || "";
    $("code-message").textContent = key ? t(key) : "";
  };
  const press = (symbol) => {
    if (code.length < CODE_LENGTH) code += symbol;
    message(null);
    render();
  };
  const keys = [...CODE_ALPHABET].map((symbol) =>
    el("button", { type: "button", "data-key": symbol, onclick: () => press(symbol) }, symbol));
  const del = el("button", { type: "button", class: "wide", "data-i18n": "delete_key", "data-key": "del",
    onclick: () => { code = code.slice(0, -1); render(); } }, t("delete_key"));
  const clear = el("button", { type: "button", class: "wide", "data-i18n": "clear_key",
    onclick: () => { code = ""; message(null); render(); } }, t("clear_key"));
  fill($("code-keys"), keys, del, clear);
  // A hardware keyboard (or a QR scanner that types) works too.
  document.addEventListener("keydown", (event) => {
    if ($("appointment").hidden) return;
    const key = event.key.toUpperCase();
    if (key.length === 1 && CODE_ALPHABET.includes(key)) press(key);
    else if (event.key === "Backspace") { code = code.slice(0, -1); render(); }
    else if (event.key === "Enter") submit();
  });

  async function submit() {
    if (code.length !== CODE_LENGTH) return message("code_short");
    $("code-submit").disabled = true;
    try {
      const done = await call(`/v1/branches/${kiosk.branch}/appointments/check-in`, { method: "POST", json: { code } });
      code = "";
      showTicket(done.ticket, done.appointment);
    } catch (error) {
      const reason = error.body && error.body.reason;
      if (error.status === 404) message("code_unknown");
      else if (error.status === 409 && reason && t(`code_${reason}`) !== `code_${reason}`) message(`code_${reason}`);
      else message("error");
      $("code-walk-in").hidden = !OFFER_WALK_IN.has(reason);
    } finally {
      $("code-submit").disabled = false;
    }
  }

  $("go-appointment").onclick = () => {
    code = "";
    message(null);
    $("code-walk-in").hidden = true;
    render();
    show("appointment");
  };
  $("code-submit").onclick = submit;
  $("code-back").onclick = home;
  $("code-walk-in").onclick = home;
}
