// Kiosk: take a ticket and follow it, start KYC, talk with the digital employee.
import { el, fill, openStream, SERVICES, TOPIC } from "./api.js";
import { bindDeviceSetup, callWithRelogin, loginDevice, storedDeviceKey } from "./device.js";
import { applyTexts, bindToggle, currentLang, onLangChange, t } from "./i18n.js";
import { startKyc, stopKyc } from "./kyc.js";
import { startVoice, stopVoice } from "./voice.js";

const $ = (id) => document.getElementById(id);
const kiosk = { branch: null, id: null, ticket: null, stream: null, forecast: [], homeTimer: null };

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
  return currentLang() === "zh" ? `约 ${wait.low_min}–${wait.high_min} 分钟` : `about ${wait.low_min}–${wait.high_min} min`;
}

function renderTicket() {
  const x = kiosk.ticket;
  if (!x) return;
  $("ticket-number").textContent = x.number;
  $("ticket-service").textContent = t(x.service);
  $("ticket-ahead").textContent = x.position == null ? "—" : Math.max(x.position - 1, 0);
  $("ticket-wait").textContent = waitText(x.wait);
  $("ticket-status").textContent = x.window_id ? `${t(x.status)} → ${t("window")} ${x.window_id}` : t(x.status);
}

function renderQueueLine() {
  const parts = kiosk.forecast.filter((s) => s.waiting > 0)
    .map((s) => `${t(s.service)} ${s.waiting}${t("persons")}`);
  $("queue-line").textContent = parts.length ? `${t("waiting")}: ${parts.join(" · ")}` : "";
}

async function refreshTicket() {
  if (!kiosk.ticket) return;
  kiosk.ticket = await call(`/v1/branches/${kiosk.branch}/tickets/${kiosk.ticket.ticket_id}`);
  renderTicket();
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
      }
      refreshTicket().catch(() => {});
    },
  });
}

async function take(service, button) {
  button.disabled = true;
  try {
    kiosk.ticket = await call(`/v1/branches/${kiosk.branch}/tickets`, { method: "POST", json: { service } });
    renderTicket();
    show("ticket");
    follow(kiosk.ticket.ticket_id);
    clearTimeout(kiosk.homeTimer);
    kiosk.homeTimer = setTimeout(home, 60000);
  } catch (error) {
    showError(`${t("error")} (${error.message})`);
  } finally {
    button.disabled = false;
  }
}

function home() {
  clearTimeout(kiosk.homeTimer);
  stopKyc();
  stopVoice();
  kiosk.ticket = null;
  show("home");
}

function renderServices() {
  fill($("services"), SERVICES.map((service) => {
    const button = el("button", { type: "button", class: "tile", "data-service": service, text: t(service) });
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
  $("ticket-done").onclick = home;
  $("go-kyc").onclick = () => { show("kyc"); startKyc(kiosk, { call, home, showError }); };
  $("go-voice").onclick = () => { show("voice"); startVoice(kiosk, { call, showError }); };
  $("kyc-back").onclick = home;
  $("voice-back").onclick = home;
  follow(null);
  home();
}

main().catch((error) => showError(`${t("error")} (${error.message})`));
