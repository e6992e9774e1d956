// Rating pad at a window: shows the ticket just served there, one tap on 1-5 sends the rating.
import { el, fill } from "./api.js";
import { bindDeviceSetup, callWithRelogin, loginDevice, storedDeviceKey } from "./device.js";
import { applyTexts, bindToggle, onLangChange, problemText, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 3000;
const POSITIVE = ["friendly", "fast", "professional", "clear"];
const NEGATIVE = ["long_wait", "slow_service", "unfriendly", "unclear", "environment"];
const [, , branch, windowId] = location.pathname.split("/").map(decodeURIComponent);
const THANKS_MS = 8000;
const pad = { ticket: null, thanked: null, thankedAt: 0, tags: new Set(), sending: false, timer: null };
const base = `/v1/branches/${encodeURIComponent(branch)}/windows/${encodeURIComponent(windowId)}/rating`;

function show(screen) {
  for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== screen;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function deviceLogin() {
  const who = await loginDevice();
  if (who.branch_id !== branch) throw Object.assign(new Error(t("device_other_branch")), { status: 403 });
}

const call = callWithRelogin(deviceLogin);

function renderReasons() {
  fill($("reasons"), [...POSITIVE, ...NEGATIVE].map((tag) => {
    const button = el("button", { type: "button", "data-tag": tag, "aria-pressed": String(pad.tags.has(tag)),
      text: t(`tag_${tag}`) });
    button.addEventListener("click", () => {
      if (pad.tags.has(tag)) pad.tags.delete(tag); else pad.tags.add(tag);
      button.setAttribute("aria-pressed", String(pad.tags.has(tag)));
    });
    return button;
  }));
}

function renderStars() {
  fill($("stars"), [5, 4, 3, 2, 1].map((score) => {
    const button = el("button", { type: "button", class: score <= 2 ? "low" : "", "data-rating": score },
      el("span", { class: "score", text: `${score}★` }), el("span", { text: t(`rating_${score}`) }));
    button.addEventListener("click", () => send(score));
    return button;
  }));
}

function render() {
  const x = pad.ticket;
  if (x && pad.thanked !== x.ticket_id) {
    $("rate-number").textContent = x.number || "—";
    $("rate-service").textContent = t(x.service);
  }
}

async function send(rating) {
  if (pad.sending || !pad.ticket) return;
  pad.sending = true;
  for (const b of document.querySelectorAll(".stars button")) b.disabled = true;
  const ticketId = pad.ticket.ticket_id;
  try {
    await call(base, { method: "POST", json: { rating, tags: [...pad.tags], ticket_id: ticketId } });
    $("thanks-text").textContent = t("rate_thanks");
    thank(ticketId);
  } catch (error) {
    if (error.status === 409 && error.body && error.body.title === "Already rated") {
      $("thanks-text").textContent = t("rate_already");
      thank(ticketId);
    } else {
      showError(`${t("error")} (${problemText(error)})`);
    }
  } finally {
    pad.sending = false;
    for (const b of document.querySelectorAll(".stars button")) b.disabled = false;
  }
}

function thank(ticketId) {
  pad.thanked = ticketId;
  pad.thankedAt = Date.now();
  pad.tags.clear();
  renderReasons();
  showError("");
  show("thanks");
}

async function poll() {
  clearTimeout(pad.timer);
  try {
    const body = await call(base);
    const ticket = body.ticket;
    if (!ticket) {
      pad.ticket = null;
      if (!pad.thanked || Date.now() - pad.thankedAt > THANKS_MS) { pad.thanked = null; show("idle"); }
    } else if (ticket.ticket_id !== (pad.ticket && pad.ticket.ticket_id)) {
      pad.ticket = ticket;
      pad.thanked = body.rated ? ticket.ticket_id : null;
      pad.thankedAt = Date.now();
      pad.tags.clear();
      renderReasons();
      render();
      if (body.rated) { $("thanks-text").textContent = t("rate_already"); show("thanks"); } else show("ask");
    }
    document.body.dataset.state = pad.thanked ? "thanked" : pad.ticket ? "asking" : "idle";
  } catch (error) {
    showError(`${t("error")} (${problemText(error)})`);
  } finally {
    pad.timer = setTimeout(() => poll().catch(() => {}), POLL_MS);
  }
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => { renderReasons(); renderStars(); render(); });
  $("window-name").textContent = windowId;
  bindDeviceSetup($, main);
  try {
    await deviceLogin();
  } catch (error) {
    const known = { 401: t("device_unknown"), 403: error.message };
    $("setup-error").textContent = storedDeviceKey() ? known[error.status] || t("error") : "";
    show("setup");
    return;
  }
  renderReasons();
  renderStars();
  show("idle");
  await poll();
}

main().catch((error) => showError(`${t("error")} (${problemText(error)})`));
