// Branch reports (records through the gateway): a day (15-minute intervals), a week or a month (per day).
// Managers see their own branch; head office picks one. State in the address: ?branch=&view=&date=.
import { api, el, fill } from "./api.js";
import { applyTexts, bindToggle, onLangChange, problemText, t } from "./i18n.js";
import { card, dataTable, daySeconds, langParam, mins, num, pct, seriesChart } from "./reportcharts.js";
import { drawHeatmap, heatLegend, hourCaption } from "./heatmap.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let branch = null;
let view = ["day", "week", "month"].includes(params.get("view")) ? params.get("view") : "day";
let date = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "") ? params.get("date") : null;
let report = null;
let error = null;
let today = null; // the branch's local today, as records answered a daily report without a date
const heat = { camera: null, hour: null }; // the heat map's camera and hour (index), kept across re-renders

const root = () => `/v1/branches/${encodeURIComponent(branch)}/reports`;

function shift(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function range() {
  if (view === "week") return [shift(date, -6), date];
  const first = `${date.slice(0, 7)}-01`;
  const next = new Date(`${first}T00:00:00Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  const last = shift(next.toISOString().slice(0, 10), -1);
  return [first, today && today < last ? today : last]; // this month: up to today, not empty days ahead
}

function remember() {
  const q = new URLSearchParams();
  if (branch && params.get("branch")) q.set("branch", branch);
  q.set("view", view);
  if (date) q.set("date", date);
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

function totalsCards(s) {
  return el("section", { class: "cards", "data-testid": "totals" },
    card(t("arrivals_total"), num(s.arrivals), "total-arrivals"),
    card(t("served"), num(s.served), "total-served"),
    card(t("abandoned"), num(s.abandoned), "total-abandoned"),
    card(t("within_target"), pct(s.within_target_share), "total-within"),
    card(`${t("wait_p50")} / P90`, `${mins(s.wait_p50_min)} / ${mins(s.wait_p90_min)} ${t("minutes")}`, "total-waits"),
    card(t("handling_avg"), `${mins(s.handling_min_avg)} ${t("minutes")}`, "total-handling"),
    card(t("rating_avg"), s.ratings ? `${num(s.rating_avg, 2)} (${s.ratings})` : "—", "total-rating"),
    card(t("containment"), pct(s.voice_containment), "total-containment"),
    card(t("kyc_decisions"), num(s.kyc_decisions), "total-kyc"),
    card(t("alerts_raised"), `${num(s.alerts_raised)} / ${num(s.alerts_acknowledged)} ✓`, "total-alerts"));
}

function chartCard(title, testid, wide = false) {
  const box = el("div", { class: "plot", "data-testid": testid });
  return [el("section", { class: `card ${wide ? "wide" : ""}` }, el("h2", { text: title }), box), box];
}

const serviceCols = () => [
  { key: "service", label: t("service"), fmt: (v) => t(v) },
  { key: "target_wait_min", label: t("target_wait"), num: true },
  { key: "arrivals", label: t("arrivals_total"), num: true },
  { key: "served", label: t("served"), num: true },
  { key: "abandoned", label: t("abandoned"), num: true },
  { key: "within_target_share", label: t("within_target"), fmt: pct, num: true },
  { key: "wait_p50_min", label: t("wait_p50"), fmt: mins, num: true },
  { key: "wait_p90_min", label: t("wait_p90"), fmt: mins, num: true },
  { key: "handling_min_avg", label: t("handling_avg"), fmt: mins, num: true },
];
const workCols = (key, label) => [
  { key, label },
  { key: "served", label: t("served"), num: true },
  { key: "handling_min_avg", label: t("handling_avg"), fmt: mins, num: true },
  { key: "ratings", label: t("ratings"), num: true },
  { key: "rating_avg", label: t("rating_avg"), fmt: (v) => num(v, 2), num: true },
];
const alertCols = () => [
  { key: "kind", label: t("alert_kind") },
  { key: "raised", label: t("raised"), num: true },
  { key: "escalated", label: t("escalated"), num: true },
  { key: "acknowledged", label: t("acknowledged"), num: true },
  { key: "ack_s_avg", label: t("ack_avg"), fmt: (v) => num(v, 0), num: true },
  { key: "expired", label: t("expired"), num: true },
];

function tableCard(title, table, rows) {
  return el("section", { class: "card" }, el("h2", { text: title }),
    rows.length ? table : el("p", { class: "empty", text: t("no_data") }));
}

function commonTables(r) {
  return [
    el("section", { class: "card wide" }, el("h2", { text: t("services") }),
      (r.services || []).length ? dataTable(serviceCols(), r.services, { sortable: true, testid: "table-services" })
        : el("p", { class: "empty", text: t("no_data") })),
    tableCard(t("windows"), dataTable(workCols("window_id", t("window")), r.windows || [], { sortable: true, testid: "table-windows" }), r.windows || []),
    tableCard(t("staff"), dataTable(workCols("staff_id", t("staff")), r.staff || [], { sortable: true, testid: "table-staff" }), r.staff || []),
    tableCard(t("alerts"), dataTable(alertCols(), r.alerts || [], { testid: "table-alerts" }), r.alerts || []),
  ];
}

function renderDay(r) {
  const intervals = r.intervals || [];
  const xs = intervals.map((i) => Date.parse(i.start) / 1000);
  const [arrivalsCard, arrivalsBox] = chartCard(`${t("arrivals")} · ${t("per_interval")}`, "chart-arrivals", true);
  const [shareCard, shareBox] = chartCard(t("share_within_target"), "chart-within");
  const [waitCard, waitBox] = chartCard(t("waits"), "chart-waits");
  const voice = r.voice || {};
  const kyc = r.kyc || [];
  fill($("report"), totalsCards(r.totals || {}), arrivalsCard, shareCard, waitCard, heatCard(r), ...commonTables(r),
    el("section", { class: "card" }, el("h2", { text: `${t("kyc")} · ${t("voice")}` }),
      kyc.length ? dataTable([{ key: "decision", label: t("decision"), fmt: (v) => t(v) }, { key: "count", label: t("count"), num: true }], kyc, { testid: "table-kyc" })
        : el("p", { class: "empty", text: `${t("kyc")}: 0` }),
      el("table", { "data-testid": "table-voice" }, el("tbody", {},
        [["sessions", voice.sessions], ["turns", voice.turns], ["completed_without_staff", voice.completed_without_staff],
          ["handed_off", voice.handed_off], ["containment", pct(voice.containment)]]
          .map(([k, v]) => el("tr", {}, el("th", { text: t(k) }), el("td", { class: "num", text: v ?? "—" })))))));
  const zone = r.timezone;
  seriesChart(arrivalsBox, xs, [
    { label: t("actual"), values: intervals.map((i) => i.arrivals), color: "#f59e0b", bars: true },
    { label: t("forecast"), values: intervals.map((i) => i.forecast), color: "#38bdf8" },
    { label: t("served"), values: intervals.map((i) => i.served), color: "#22c55e", dash: [4, 4] },
  ], { zone, step: 900 });
  seriesChart(shareBox, xs, [{ label: t("within_target"), values: intervals.map((i) => i.within_target_share), color: "#22c55e" }], { zone, step: 900, percent: true });
  seriesChart(waitBox, xs, [
    { label: "p50", values: intervals.map((i) => i.wait_p50_min), color: "#38bdf8" },
    { label: "p90", values: intervals.map((i) => i.wait_p90_min), color: "#ef4444" },
  ], { zone, step: 900 });
}

// The day's occupancy heat map: a camera (when there are several), an hour on the slider, the grid, its legend.
function heatCard(r) {
  const cameras = r.occupancy || [];
  const box = el("section", { class: "card wide", "data-testid": "heatmap-card" }, el("h2", { text: t("heat_title") }));
  if (!cameras.length) {
    box.append(el("p", { class: "empty", "data-testid": "heatmap-empty", text: t("heat_none") }));
    return box;
  }
  const camera = cameras.find((c) => c.camera_id === heat.camera) || cameras[0];
  heat.camera = camera.camera_id;
  const hours = camera.hours;
  if (heat.hour == null || heat.hour >= hours.length) heat.hour = hours.length - 1;
  const canvas = el("canvas", { "data-testid": "heatmap", role: "img" });
  const caption = el("div", { class: "heat-caption", "data-testid": "heatmap-caption" });
  const slider = el("input", { type: "range", min: 0, max: hours.length - 1, step: 1, value: heat.hour,
    "data-testid": "heatmap-hour", "aria-label": t("heat_hour") });
  const picker = cameras.length > 1 ? el("select", { "data-testid": "heatmap-camera", "aria-label": t("heat_camera") },
    cameras.map((c) => el("option", { value: c.camera_id, selected: c.camera_id === camera.camera_id, text: c.camera_id }))) : null;
  const draw = () => {
    const hour = hours[heat.hour];
    drawHeatmap(canvas, hour, camera.max_cell_person_s, Math.min(box.clientWidth - 32, 720));
    canvas.setAttribute("aria-label", `${t("heat_title")} ${camera.camera_id} ${hourCaption(hour, hour.local)}`);
    caption.textContent = `${t("heat_camera")} ${camera.camera_id} · ${hourCaption(hour, hour.local)}`;
  };
  if (picker) picker.addEventListener("change", () => { heat.camera = picker.value; heat.hour = null; render(); });
  box.append(el("div", { class: "heat" },
    el("div", { class: "heat-controls" }, picker, el("span", { text: t("heat_hour") }), slider,
      el("strong", { "data-testid": "heatmap-local", text: "" })),
    canvas, caption, heatLegend(camera.max_cell_person_s)));
  const local = box.querySelector("[data-testid=heatmap-local]");
  const redraw = () => { draw(); local.textContent = hours[heat.hour].local; };
  slider.addEventListener("input", () => { heat.hour = Number(slider.value); redraw(); });
  requestAnimationFrame(redraw); // once the card is in the page and has its width
  return box;
}

function renderPeriod(r) {
  const days = r.days || [];
  const xs = days.map((d) => daySeconds(d.date));
  const [arrivalsCard, arrivalsBox] = chartCard(t("arrivals_per_day"), "chart-days", true);
  const [shareCard, shareBox] = chartCard(`${t("within_target")} · ${t("per_day")}`, "chart-within");
  const [waitCard, waitBox] = chartCard(`${t("waits")} · ${t("per_day")}`, "chart-waits");
  const dayCols = [
    { key: "date", label: t("date") },
    { key: "arrivals", label: t("arrivals_total"), num: true },
    { key: "served", label: t("served"), num: true },
    { key: "abandoned", label: t("abandoned"), num: true },
    { key: "within_target_share", label: t("within_target"), fmt: pct, num: true },
    { key: "wait_p50_min", label: t("wait_p50"), fmt: mins, num: true },
    { key: "wait_p90_min", label: t("wait_p90"), fmt: mins, num: true },
    { key: "rating_avg", label: t("rating_avg"), fmt: (v) => num(v, 2), num: true },
  ];
  fill($("report"), totalsCards(r.totals || {}), arrivalsCard, shareCard, waitCard,
    el("section", { class: "card wide" }, el("h2", { text: t("per_day") }), dataTable(dayCols, days, { sortable: true, testid: "table-days" })),
    ...commonTables(r));
  const opts = { zone: "UTC", format: "{MM}-{DD}", step: 86400 };
  seriesChart(arrivalsBox, xs, [
    { label: t("arrivals_total"), values: days.map((d) => d.arrivals), color: "#f59e0b", bars: true },
    { label: t("served"), values: days.map((d) => d.served), color: "#22c55e" },
    { label: t("abandoned"), values: days.map((d) => d.abandoned), color: "#ef4444" },
  ], opts);
  seriesChart(shareBox, xs, [{ label: t("within_target"), values: days.map((d) => d.within_target_share), color: "#22c55e" }], { ...opts, percent: true });
  seriesChart(waitBox, xs, [
    { label: "p50", values: days.map((d) => d.wait_p50_min), color: "#38bdf8" },
    { label: "p90", values: days.map((d) => d.wait_p90_min), color: "#ef4444" },
  ], opts);
}

function render() {
  for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
  const pdf = $("pdf");
  pdf.hidden = view !== "day" || !date;
  pdf.href = date ? `${root()}/daily.pdf?date=${date}&lang=${langParam()}` : "#";
  if (error) {
    fill($("report"), el("p", { class: "warn big", "data-testid": "report-error", text: `${t("reports_down")}: ${problemText(error)}` }));
    return;
  }
  if (!report) return;
  $("range").textContent = view === "day" ? `${report.date} · ${report.timezone || ""}` : `${report.from} – ${report.to}`;
  if (view === "day") renderDay(report);
  else renderPeriod(report);
}

async function load() {
  error = null;
  heat.hour = null; // another day or view: its latest hour
  try {
    if (view === "day") {
      report = await api(`${root()}/daily${date ? `?date=${date}` : ""}`);
      if (!date) today = report.date;
      date = report.date || date;
    } else {
      if (!today) today = (await api(`${root()}/daily`)).date;
      if (!date) date = today;
      const [from, to] = range();
      report = await api(`${root()}/period?from=${from}&to=${to}`);
    }
    $("date").value = date || "";
  } catch (e) {
    report = null;
    error = e;
  }
  remember();
  render();
}

function links(me) {
  const query = me.branch_id ? "" : `?branch=${encodeURIComponent(branch)}`;
  $("dashboard-link").href = `/${query}`;
  $("config-link").href = `/config${query}`;
}

async function pickBranches(me) {
  if (me.branch_id) return me.branch_id;
  $("branch-pick").hidden = false;
  $("head-office-link").hidden = false;
  let ids = [];
  try {
    ids = (await api("/v1/head-office/branches")).branches.map((b) => b.branch_id);
  } catch { /* the selector offers only the asked branch */ }
  const wanted = params.get("branch") || ids[0] || null;
  if (wanted && !ids.includes(wanted)) ids.unshift(wanted);
  fill($("branch-select"), ids.map((id) => el("option", { value: id, selected: id === wanted, text: id })));
  $("branch-select").addEventListener("change", () => {
    branch = $("branch-select").value;
    params.set("branch", branch);
    $("branch-name").textContent = branch;
    links(me);
    load();
  });
  if (wanted) params.set("branch", wanted);
  return wanted;
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => render());
  $("logout").addEventListener("click", async () => { await api("/v1/auth/logout", { method: "POST" }); location.href = "/login"; });
  const me = await api("/v1/auth/me");
  branch = await pickBranches(me);
  if (!branch) {
    fill($("report"), el("p", { class: "warn big", text: t("no_branches") }));
    return;
  }
  $("branch-name").textContent = branch;
  links(me);
  for (const b of document.querySelectorAll(".tabs button")) {
    b.addEventListener("click", () => { view = b.dataset.view; load(); });
  }
  $("date").addEventListener("change", () => { if ($("date").value) { date = $("date").value; load(); } });
  // Charts follow the page's width; a change of height alone (a phone's address bar, a full-page screenshot) rebuilds
  // nothing, so the hour slider a manager is moving keeps its focus.
  let width = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === width) return;
    width = window.innerWidth;
    clearTimeout(window.__rs);
    window.__rs = setTimeout(render, 200);
  });
  await load();
}

main().catch((e) => {
  if (e.status === 401) location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  else document.body.prepend(el("p", { class: "warn banner", text: `${t("error")}: ${problemText(e)}` }));
});
