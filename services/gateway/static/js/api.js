// Calls to the gateway (same origin, session cookie) and a live stream with status reporting.
const CSRF = { "X-BranchOps-Request": "1" };

// The platform clock as the gateway reported it (simulated and faster under `branchops up`), run on
// locally between reports; the wall clock until the first report.
let clock = { server: null, local: 0, rate: 1, zone: undefined };

export function setClock(report) {
  if (report && report.now) clock = { server: Date.parse(report.now), local: Date.now(), rate: report.rate || 1, zone: report.timezone };
}

export function clockNow() {
  return clock.server == null ? Date.now() : clock.server + (Date.now() - clock.local) * clock.rate;
}

// The branch's IANA time zone (undefined: the browser's).
export function clockZone() {
  return clock.zone;
}

// Hours and minutes of a time (ms or ISO) in the branch's time zone.
export function branchTime(when) {
  const d = new Date(typeof when === "number" ? when : Date.parse(when));
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: clock.zone });
}

// The branch's local hour and minute as minutes since midnight.
export function branchMinutes(when) {
  const [h, m] = branchTime(when).split(":").map(Number);
  return h * 60 + m;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = "GET", json, body, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { ...headers } };
  if (method !== "GET") Object.assign(init.headers, CSRF);
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// EventSource reconnects by itself and sends Last-Event-ID; when the server refuses (401/403) it stops,
// then we try again after a pause (the page refetches its state, since the replay position is lost).
export function openStream(url, { onEvent, onStatus, onReopen, types = [] }) {
  let source = null;
  let closed = false;
  const connect = (first) => {
    source = new EventSource(url, { withCredentials: true });
    source.onopen = () => { onStatus && onStatus("live"); if (!first && onReopen) onReopen(); first = false; };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        onStatus && onStatus("offline");
        if (!closed) setTimeout(() => connect(false), 5000);
      } else {
        onStatus && onStatus("reconnecting");
      }
    };
    const handler = (message) => {
      let envelope = null;
      try { envelope = JSON.parse(message.data); } catch { return; }
      onEvent(message.type, envelope);
    };
    for (const type of types) source.addEventListener(type, handler);
    source.addEventListener("branchops.replay-gap", () => onReopen && onReopen());
  };
  connect(true);
  return { close() { closed = true; source && source.close(); } };
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function fill(container, ...children) {
  container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

export const TOPIC = {
  footfall: "branchops.footfall.v1", camera: "branchops.camera.status.v1", tickets: "branchops.tickets.v1",
  windows: "branchops.windows.v1", forecast: "branchops.queue.forecast.v1", plan: "branchops.staffing.plan.v1",
  alerts: "branchops.staffing.alerts.v1", kyc: "branchops.kyc.results.v1", feedback: "branchops.feedback.v1",
  voice: "branchops.voice.interactions.v1", occupancy: "branchops.occupancy.v1",
};
export const ALL_TYPES = Object.values(TOPIC);
export const SERVICES = ["cash", "general", "corporate", "wealth", "fx"];
