// Manager dashboard: first paint from /v1/branches/{b}/dashboard, then live over SSE.
import { ALL_TYPES, api, branchTime, clockNow, el, fill, openStream, setClock } from "./api.js";
import { applyTexts, bindToggle, currentLang, onLangChange, problemText, t, waitText } from "./i18n.js";
import { DashboardState } from "./dashboard-state.js";
import { drawArrivals, drawPlan } from "./charts.js";
import { drawHeatmap, heatLegend, hourCaption } from "./heatmap.js";

const $ = (id) => document.getElementById(id);
let state = null;
let pending = false;

function fmtTime(iso) {
  return iso ? branchTime(iso) : "";
}

function table(head, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, head.map((h) => el("th", { text: h })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))));
}

function renderQueue() {
  const rows = state.services.map((s) => [t(s.service), el("strong", { text: s.waiting }), s.open_windows,
    waitText(s.est_wait_min, s.est_wait_p90_min)]);
  fill($("queue"), rows.length ? table([t("service"), t("waiting"), t("open_windows"), t("est_wait")], rows)
    : el("p", { class: "empty", text: "—" }));
}

function renderHall() {
  const zones = [...state.zones()].map(([zone, n]) => [zone, el("strong", { text: n })]);
  const cams = [...state.footfall].map(([id, c]) => [id, c.entered_today, c.exited_today]);
  fill($("hall"), zones.length ? table([t("zone"), t("people")], zones) : el("p", { class: "empty", text: "—" }),
    cams.length ? table([t("camera"), t("entered"), t("exited")], cams) : null);
}

// The latest hour's occupancy grid of each camera, its own busiest cell the top of its colours.
function renderHeat() {
  const box = $("heatmap");
  const cameras = [...state.heat].sort(([a], [b]) => a.localeCompare(b));
  if (!cameras.length) {
    fill(box, el("p", { class: "empty", "data-testid": "dashboard-heatmap-empty", text: t("heat_none") }));
    return;
  }
  const width = Math.min(box.clientWidth || 320, 480);
  fill(box, cameras.map(([id, hour]) => {
    const top = Math.max(...hour.person_s, 0);
    const canvas = el("canvas", { "data-testid": "dashboard-heatmap-canvas", "data-camera": id, role: "img" });
    drawHeatmap(canvas, hour, top, width);
    const caption = `${id} · ${hourCaption(hour, branchTime(hour.start))}${hour.in_progress ? ` · ${t("heat_so_far")}` : ""}`;
    canvas.setAttribute("aria-label", `${t("heat_title")} ${caption}`);
    return el("div", { class: "heat" }, canvas, el("div", { class: "heat-caption", text: caption }), heatLegend(top));
  }));
}

let readsReports = false;  // tellers may not read the branch's reports (403): their card follows the stream only

async function loadHeat() {
  if (!readsReports) { schedule(); return; }
  try {
    state.loadHeat(await api(`/v1/branches/${encodeURIComponent(state.branchId)}/reports/daily`));
  } catch { /* records unreachable or not for this role: the stream's next hour fills the card */ }
  schedule();
}

async function acknowledge(alert, button) {
  button.disabled = true;
  try {
    const done = await api(`/v1/branches/${encodeURIComponent(state.branchId)}/alerts/${encodeURIComponent(alert.alert_id)}/ack`, { method: "POST" });
    state.alerts.set(alert.alert_id, { ...alert, status: done.status || "acknowledged", acked_by: done.acked_by });
  } catch (error) {
    const status = error.status === 409 ? "expired" : alert.status;
    state.alerts.set(alert.alert_id, { ...alert, status, error: error.status === 409 ? null : problemText(error) });
  }
  render();
}

function renderAlerts() {
  const items = state.openAlerts(clockNow()).map((a) => {
    const message = (a.message && (a.message[currentLang()] || a.message.zh)) || a.kind;
    const acked = a.status && a.status !== "open";
    const button = state.canAck && !acked ? el("button", { type: "button", class: "ack", "data-testid": "ack" }, t("ack")) : null;
    if (button) button.addEventListener("click", () => acknowledge(a, button));
    return el("li", { class: `alert sev-${a.severity || "info"} ${acked ? "done" : ""}`, "data-alert": a.alert_id },
      el("div", {}, el("strong", { text: message }), el("small", { text: ` ${fmtTime(a.at)} · ${a.kind}` })),
      acked ? el("span", { class: "badge ok", "data-testid": "acked", text: t(a.status === "expired" ? "expired" : "acked") }) : button,
      a.error ? el("small", { class: "warn", text: a.error }) : null);
  });
  fill($("alerts"), items.length ? items : [el("li", { class: "empty", text: t("no_alerts") })]);
}

function renderTickets() {
  const items = [...state.tickets.values()].reverse().slice(0, 12).map((x) =>
    el("li", { class: `ticket st-${x.status}`, "data-ticket": x.ticket_id },
      el("strong", { class: "number", text: x.number }), ` ${t(x.service)} · `,
      el("span", { text: t(x.status) }), x.window_id ? ` → ${t("window")} ${x.window_id}` : "",
      el("small", { text: ` ${fmtTime(x.at || x.issued_at)}` })));
  fill($("tickets"), items.length ? items : [el("li", { class: "empty", text: t("no_tickets") })]);
}

function renderWindows() {
  const rows = [...state.windows.values()].sort((a, b) => String(a.window_id).localeCompare(String(b.window_id)))
    .map((w) => [w.window_id, el("span", { class: `badge st-${w.state}`, text: t(w.state) }), w.staff_id || "—",
      (w.skills || []).map(t).join(" / ")]);
  fill($("windows"), rows.length ? table([t("window"), "", t("staff"), t("service")], rows)
    : el("p", { class: "empty", text: t("no_windows") }));
}

// Health from the cameras' status reports and, for a camera that sends counts but no status, from its
// newest count: the hall card and this card read the same cameras.
function renderCameras() {
  const items = [...state.cameras].map(([id, c]) => el("li", { class: `camera cam-${c.state}` },
    el("span", { class: `badge cam-${c.state}`, text: t(c.state) }), ` ${id} · ${Number(c.fps || 0).toFixed(1)} fps`,
    c.error ? el("small", { class: "warn", text: ` ${c.error}` }) : null));
  for (const [id, counts] of state.footfall) {
    if (state.cameras.has(id)) continue;
    items.push(el("li", { class: "camera cam-up", "data-camera": id },
      el("span", { class: "badge cam-up", text: t("reporting") }),
      ` ${id} · ${t("last_count")} ${fmtTime(counts.at || (counts.last && counts.last.at))}`));
  }
  fill($("cameras"), items.length ? items : [el("li", { class: "empty", text: t("no_cameras") })]);
}

function renderSatisfaction() {
  const stars = (r) => el("strong", { class: r.average < 3 ? "bad" : "", text: r.average.toFixed(2) });
  const windows = [...state.rating.byWindow].sort(([a], [b]) => a.localeCompare(b)).map(([w, r]) =>
    [w, (state.windows.get(w) || {}).staff_id || "—", r.count, stars(r)]);
  const services = [...state.rating.byService].sort(([a], [b]) => a.localeCompare(b)).map(([s, r]) =>
    [t(s), r.count, stars(r)]);
  if (!windows.length) {
    fill($("satisfaction"), el("p", { class: "empty", text: t("no_ratings") }));
    return;
  }
  const byWindow = table([t("window"), t("staff"), t("ratings"), t("average")], windows);
  byWindow.dataset.testid = "satisfaction-windows";
  const byService = table([t("service"), t("ratings"), t("average")], services);
  byService.dataset.testid = "satisfaction-services";
  fill($("satisfaction"), byWindow, byService);
}

function renderKpis() {
  const s = state.summary || {};
  $("kpi-waiting").textContent = state.waiting();
  $("kpi-occupancy").textContent = [...state.zones().values()].reduce((a, b) => a + b, 0);
  $("kpi-tickets").textContent = s.tickets_today || 0;
  $("kpi-sl").textContent = s.service_level == null ? "—" : `${Math.round(s.service_level * 100)}%`;
  $("kpi-sat").textContent = s.satisfaction && s.satisfaction.count ? `${s.satisfaction.average} / 5` : "—";
}

function render() {
  pending = false;
  renderKpis();
  renderQueue();
  renderHall();
  renderHeat();
  renderAlerts();
  renderTickets();
  renderWindows();
  renderCameras();
  renderSatisfaction();
  drawPlan($("plan"), state.plan, state.windows);
  drawArrivals($("chart"), state);
}

function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(render);
  }
}

async function load() {
  const body = await api(`/v1/branches/${encodeURIComponent(state.branchId)}/dashboard`);
  setClock(body.clock);
  state.load(body);
  $("upstream").hidden = body.sources.queue && body.sources.staffing;
  render();
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => render());
  $("logout").addEventListener("click", async () => { await api("/v1/auth/logout", { method: "POST" }); location.href = "/login"; });
  const me = await api("/v1/auth/me");
  const branch = me.branch_id || new URLSearchParams(location.search).get("branch");
  if (!branch && me.role === "head_office") { location.href = "/head-office"; return; }
  if (!branch) { document.body.prepend(el("p", { class: "warn banner", text: t("no_branch") })); return; }
  $("head-office-link").hidden = me.role !== "head_office";
  $("officer-link").hidden = !(me.role === "manager" && me.branch_id);  // the officer page reviews its own branch
  for (const [id, page] of [["config-link", "/config"], ["reports-link", "/reports"]]) {
    $(id).hidden = me.role === "teller";
    $(id).href = me.branch_id ? page : `${page}?branch=${encodeURIComponent(branch)}`;
  }
  readsReports = me.role !== "teller";
  $("branch-name").textContent = branch;
  document.title = `BranchOps · ${branch}`;
  state = new DashboardState(branch);
  await load();
  loadHeat();
  openStream(`/v1/branches/${encodeURIComponent(branch)}/stream`, {
    types: ALL_TYPES,
    onEvent: (type, envelope) => { if (state.apply(type, envelope)) schedule(); },
    onStatus: (s) => { delete $("live").dataset.i18n; $("live").className = `live is-${s}`; $("live").textContent = t(s); $("live").dataset.state = s; },
    onReopen: () => { load().catch(() => {}); loadHeat(); },
  });
  window.addEventListener("resize", schedule);
  setInterval(() => load().catch(() => {}), 30000); // today's service level and counts, as the gateway folds them
  const tick = () => { $("clock").textContent = branchTime(clockNow()); };
  tick();
  setInterval(tick, 1000);
}

main().catch((error) => {
  if (error.status === 401) location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  else document.body.prepend(el("p", { class: "warn banner", text: `${t("error")}: ${problemText(error)}` }));
});
