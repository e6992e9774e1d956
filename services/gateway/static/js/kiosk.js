// Kiosk: take a ticket and follow it, start KYC, talk with the digital employee.
import { api, el, fill, openStream, SERVICES, TOPIC } from "./api.js";
import { applyTexts, bindToggle, currentLang, onLangChange, t } from "./i18n.js";
import { startKyc, stopKyc } from "./kyc.js";
import { startVoice, stopVoice } from "./voice.js";

const $ = (id) => document.getElementById(id);
const KEY = "bo-device-key";
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
  const key = localStorage.getItem(KEY);
  if (!key) throw Object.assign(new Error("no device key"), { status: 401 });
  const who = await api("/v1/auth/device", { method: "POST", headers: { "X-Device-Key": key } });
  kiosk.branch = who.branch_id;
  kiosk.id = who.kiosk_id;
}

// Any call: on 401 (the session cookie expired) log the device in again and retry once.
export async function call(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error.status !== 401) throw error;
    await deviceLogin();
    return api(path, options);
  }
}

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
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("device")) {
    localStorage.setItem(KEY, hash.get("device"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  $("setup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY, $("device-key").value.trim());
    main().catch(() => {});
  });
  try {
    await deviceLogin();
  } catch (error) {
    $("setup-error").textContent = error.status === 401 && localStorage.getItem(KEY) ? error.message : "";
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
