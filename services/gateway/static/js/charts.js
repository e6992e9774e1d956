// Forecast vs actual arrivals (uPlot, served locally) and the staffing plan as a timeline.
import { branchMinutes, clockNow, clockZone, el, fill } from "./api.js";
import { t } from "./i18n.js";
import { slotOf } from "./dashboard-state.js";

let plot = null;

function arrivalData(state) {
  const forecast = new Map();
  for (const a of state.arrivals) {
    const slot = slotOf(a.interval_start);
    if (slot !== null) forecast.set(slot, a);
  }
  const slots = [...new Set([...forecast.keys(), ...state.actual.keys()])].sort((a, b) => a - b);
  const xs = slots.map((s) => s / 1000);
  const pick = (key) => slots.map((s) => (forecast.has(s) ? forecast.get(s)[key] : null));
  const actual = slots.map((s) => (state.actual.has(s) ? state.actual.get(s) : null));
  return [xs, pick("expected"), pick("p10"), pick("p90"), actual];
}

export function drawArrivals(container, state) {
  const data = arrivalData(state);
  if (typeof uPlot === "undefined") return;
  const width = Math.max(container.clientWidth - 8, 320);
  if (plot && plot.__lang === document.documentElement.lang) {
    plot.setData(data);
    if (Math.abs(plot.width - width) > 4) plot.setSize({ width, height: 260 });
    return;
  }
  if (plot) plot.destroy();
  container.replaceChildren();
  const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
  plot = new uPlot({
    width, height: 260,
    tzDate: (ts) => (clockZone() && uPlot.tzDate ? uPlot.tzDate(new Date(ts * 1e3), clockZone()) : new Date(ts * 1e3)),
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, Math.ceil((max || 0) * 1.2))] } },
    axes: [{ stroke: "#cbd5e1", grid: { stroke: "#334155" }, values: "{HH}:{mm}" }, { stroke: "#cbd5e1", grid: { stroke: "#334155" } }],
    series: [
      {},
      { label: t("expected"), stroke: "#38bdf8", width: 2 },
      { label: "p10", stroke: "#64748b", dash: [4, 4], width: 1 },
      { label: "p90", stroke: "#64748b", dash: [4, 4], width: 1 },
      { label: t("actual"), stroke: "#f59e0b", fill: "rgba(245,158,11,0.45)", paths: bars, points: { show: false } },
    ],
  }, data, container);
  plot.__lang = document.documentElement.lang;
}

function minutes(hhmm) {
  const [h, m] = String(hhmm || "0:0").split(":").map(Number);
  return h * 60 + (m || 0);
}

export function drawPlan(container, plan, windows) {
  const rows = (plan && plan.assignments) || [];
  if (!rows.length) {
    fill(container, el("p", { class: "empty", text: t("no_plan") }));
    return;
  }
  const start = Math.min(...rows.map((r) => minutes(r.start)));
  const end = Math.max(...rows.map((r) => minutes(r.end)));
  const span = Math.max(end - start, 60);
  const pct = (m) => `${((m - start) / span) * 100}%`;
  const windowOf = new Map([...windows.values()].filter((w) => w.staff_id).map((w) => [w.staff_id, w]));
  const hours = [];
  for (let h = Math.ceil(start / 60); h * 60 <= end; h++) {
    const tick = el("span", { class: "tick", text: `${String(h).padStart(2, "0")}:00` });
    tick.style.left = pct(h * 60);
    hours.push(tick);
  }
  const lines = rows.map((r) => {
    const bar = el("div", { class: "bar", title: `${r.start}–${r.end} ${(r.skills || []).map(t).join(" / ")}` },
      (r.skills || []).map(t).join(" / "));
    bar.style.left = pct(minutes(r.start));
    bar.style.width = `${((minutes(r.end) - minutes(r.start)) / span) * 100}%`;
    const pauses = (r.breaks || []).map((b) => {
      const p = el("div", { class: "pause", title: `${t("break")} ${b.start}–${b.end}` });
      p.style.left = pct(minutes(b.start));
      p.style.width = `${((minutes(b.end) - minutes(b.start)) / span) * 100}%`;
      return p;
    });
    const w = windowOf.get(r.staff_id);
    const label = el("div", { class: "who" }, r.staff_id, w ? el("small", { text: ` · ${t("window")} ${w.window_id}` }) : null);
    return el("div", { class: "lane", "data-staff": r.staff_id }, label, el("div", { class: "track" }, bar, ...pauses));
  });
  const nowMin = branchMinutes(clockNow());
  const axis = el("div", { class: "lane axis" }, el("div", { class: "who" }), el("div", { class: "track" }, ...hours));
  const body = el("div", { class: "timeline" }, axis, ...lines);
  if (nowMin >= start && nowMin <= end) {
    const marker = el("div", { class: "now" });
    marker.style.left = pct(nowMin);
    axis.querySelector(".track").append(marker);
  }
  const check = plan.verification;  // mixed-skill days: the roster simulated on the floor (staffing)
  const verified = check && typeof check.worst_interval === "number"
    ? el("p", { class: "muted", "data-testid": "plan-verified",
      text: `${t("plan_verified")} ${Math.round(check.worst_interval * 100)}%` })
    : null;
  fill(container, body, el("p", { class: "muted", text: `v${plan.version || "?"} · ${plan.date || ""}` }), verified);
}
