// Calling display (TV in the hall, 1920x1080): the newest call large and repeated, the latest calls, per
// service the people waiting, the expected wait and the next numbers. Both languages at once (a hall has
// both); calls are spoken in Mandarin then English, one after the other, never over each other.
// Numbers and windows only: nothing personal is ever on this screen.
import { api, branchTime, clockNow, el, fill, openStream, setClock, TOPIC } from "./api.js";
import { bindDeviceSetup, callWithRelogin, loginDevice, storedDeviceKey } from "./device.js";
import { applyTexts, problemText, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const [, , branch] = location.pathname.split("/").map(decodeURIComponent);
const base = `/v1/branches/${encodeURIComponent(branch)}`;
const SERVICE = {
  cash: ["现金业务", "Cash"], general: ["综合业务", "General"], corporate: ["对公业务", "Corporate"],
  wealth: ["理财业务", "Wealth"], fx: ["外汇业务", "Foreign exchange"],
};
const board = { calls: [], lines: [], reload: null, stream: null };
const speech = { queue: [], playing: false, blocked: false, spoken: 0 };
const MAX_PENDING = 6; // a burst of calls (a simulated day runs fast): the oldest unspoken ones are dropped
window.__display = { received: [], spoken: () => speech.spoken };

function wait(low, high, lang) {
  if (low == null) return "—";
  const hi = Math.round(Math.max(Number(high ?? low) || 0, Number(low) || 0));
  if (hi < 1) return lang === "zh" ? "无需等待" : "no wait";
  const lo = Math.min(Math.max(1, Math.round(Number(low) || 0)), hi);
  if (hi - lo <= 1) return lang === "zh" ? `约 ${hi} 分钟` : `about ${hi} min`;
  return lang === "zh" ? `${lo}–${hi} 分钟` : `${lo}–${hi} min`;
}

function windowName(id) { return id; }

function render() {
  const [now, ...rest] = board.calls;
  fill($("now-call"), now ? [
    el("div", { class: "now-number", "data-testid": "now-number", "data-call": `${now.number}@${now.window_id}`, text: now.number }),
    el("div", { class: "now-arrow", text: "→" }),
    el("div", { class: "now-window" }, el("span", { "data-testid": "now-window", text: windowName(now.window_id) }),
      el("small", { text: " 号窗口 · window" })),
    el("p", { class: "now-say" }, `请 ${now.number} 号到 ${windowName(now.window_id)} 号窗口`, el("br"),
      `Number ${now.number}, please go to window ${windowName(now.window_id)}`),
  ] : el("p", { class: "muted", text: "请留意叫号 · Please wait for your number" }));
  if (now) {
    $("now-call").classList.remove("flash");
    void $("now-call").offsetWidth; // restart the highlight for a new call or a recall
    $("now-call").classList.add("flash");
  }
  fill($("calls"), rest.map((c) => el("li", { "data-call": `${c.number}@${c.window_id}` },
    el("span", { class: "num", text: c.number }), el("span", { class: "arrow", text: "→" }),
    el("span", { class: "win", text: `${windowName(c.window_id)} 号窗口 · window ${windowName(c.window_id)}` }))));
  fill($("lines"), board.lines.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", { text: "业务 · Service" }), el("th", { text: "等候 · Waiting" }),
      el("th", { text: "预计等待 · Expected wait" }), el("th", { text: "即将叫号 · Next" }))),
    el("tbody", {}, board.lines.map((l) => el("tr", { "data-service": l.service },
      el("td", {}, el("strong", { text: (SERVICE[l.service] || [l.service])[0] }), el("br"),
        el("small", { text: (SERVICE[l.service] || [, l.service])[1] })),
      el("td", { class: "n", text: String(l.waiting) }),
      el("td", {}, el("span", { text: l.waiting ? wait(l.est_wait_min, l.est_wait_p90_min, "zh") : "无需等待" }), el("br"),
        el("small", { text: l.waiting ? wait(l.est_wait_min, l.est_wait_p90_min, "en") : "no wait" })),
      el("td", { class: "numbers", text: l.next.join("  ") || "—" })))))
    : el("p", { class: "muted", text: "暂无等候 · Nobody waiting" }));
}

// --- speech: one call at a time, Mandarin then English ---------------------------------------------
function say(call) {
  speech.queue = speech.queue.filter((c) => c.ticket_id !== call.ticket_id); // a recall replaces its pending call
  speech.queue.push(call);
  if (speech.queue.length > MAX_PENDING) speech.queue.splice(0, speech.queue.length - MAX_PENDING);
  if (!speech.playing) playNext();
}

async function speak(call, lang) {
  const response = await fetch(`${base}/display/announce`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-BranchOps-Request": "1" },
    body: JSON.stringify({ number: call.number, window_id: call.window_id, lang }),
  });
  if (!response.ok) throw Object.assign(new Error(`tts ${response.status}`), { status: response.status });
  const url = URL.createObjectURL(await response.blob());
  try {
    const audio = new Audio(url);
    await new Promise((resolve, reject) => {
      audio.onended = resolve;
      audio.onerror = () => reject(new Error("audio"));
      audio.play().catch(reject);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function playNext() {
  if (speech.blocked) return;
  const call = speech.queue.shift();
  if (!call) { speech.playing = false; return; }
  speech.playing = true;
  try {
    await speak(call, "zh");
    await speak(call, "en");
    speech.spoken += 1;
  } catch (error) {
    if (error && error.name === "NotAllowedError") { // the browser wants a click before it plays sound
      speech.queue.unshift(call);
      speech.blocked = true;
      speech.playing = false;
      $("sound").hidden = false;
      return;
    }
  }
  playNext();
}

// --- state -----------------------------------------------------------------------------------------
async function load() {
  const data = await call(`${base}/display`);
  setClock(data.clock);
  board.calls = data.calls || [];
  board.lines = data.lines || [];
  render();
}

function scheduleLoad() {
  clearTimeout(board.reload);
  board.reload = setTimeout(() => load().catch(() => {}), 500);
}

function onTicket(envelope) {
  const x = envelope && envelope.data;
  if (!x) return;
  if (x.status === "called" && x.window_id) {
    const known = board.calls.find((c) => c.ticket_id === x.ticket_id);
    const entry = { ticket_id: x.ticket_id, number: x.number, service: x.service, window_id: x.window_id, at: x.at,
      recalls: known && known.window_id === x.window_id ? known.recalls + 1 : 0 };
    board.calls = [entry, ...board.calls.filter((c) => c.ticket_id !== x.ticket_id)].slice(0, 8);
    // the called number leaves its line at once; the reload below brings the queue's own figures
    board.lines = board.lines.map((l) => l.next.includes(x.number)
      ? { ...l, next: l.next.filter((n) => n !== x.number), waiting: Math.max(0, l.waiting - 1) } : l);
    window.__display.received.push({ number: x.number, window_id: x.window_id, at: Date.now(), recalls: entry.recalls });
    render();
    say(entry);
  } else if (x.status === "issued" || x.status === "transferred") {
    const before = board.calls.length;
    board.calls = board.calls.filter((c) => c.ticket_id !== x.ticket_id); // an undone call leaves the board
    if (board.calls.length !== before) render();
  }
  scheduleLoad(); // waiting counts and next numbers follow
}

async function deviceLogin() {
  const who = await loginDevice();
  if (who.branch_id !== branch) throw Object.assign(new Error(t("device_other_branch")), { status: 403 });
}

const call = callWithRelogin(deviceLogin);

function setStatus(status) {
  const names = { live: "实时 · live", reconnecting: "重连中 · reconnecting", offline: "已断开 · offline" };
  $("live").className = `live is-${status}`;
  $("live").dataset.state = status;
  $("live").textContent = names[status] || status;
}

async function start() {
  $("setup-error").textContent = "";
  if (!storedDeviceKey()) { $("setup").hidden = false; return; }
  try {
    await deviceLogin();
  } catch (error) {
    $("setup").hidden = false;
    $("board").hidden = true;
    $("setup-error").textContent = error.status === 401 ? t("device_unknown") : (error.status === 403 ? t("device_other_branch") : problemText(error));
    return;
  }
  $("setup").hidden = true;
  $("board").hidden = false;
  await load();
  if (board.stream) board.stream.close();
  board.stream = openStream(`${base}/stream`, {
    types: [TOPIC.tickets, TOPIC.forecast],
    onEvent: (type, envelope) => { if (type === TOPIC.tickets) onTicket(envelope); else scheduleLoad(); },
    onStatus: setStatus,
    onReopen: () => load().catch(() => {}), // caught up from the gateway's state, whatever was missed
  });
}

function main() {
  applyTexts();
  $("branch-name").textContent = branch;
  $("sound").addEventListener("click", () => {
    $("sound").hidden = true;
    speech.blocked = false;
    if (!speech.playing) playNext();
  });
  setInterval(() => { $("clock").textContent = branchTime(clockNow()); }, 1000);
  bindDeviceSetup($, start);
  start().catch((error) => { $("setup-error").textContent = problemText(error); });
}

main();
