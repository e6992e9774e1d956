// Charts and tables of the report pages: uPlot (vendored, served locally) for series, plain tables with
// optional client-side sorting. Numbers as records gives them: null is "unknown", shown as "—".
import { el } from "./api.js";
import { currentLang, t } from "./i18n.js";

export const pct = (v) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);
export const num = (v, digits = 0) => (v == null ? "—" : Number(v).toFixed(digits));
export const mins = (v) => (v == null ? "—" : `${Number(v).toFixed(1)}`);

const DAY_INCRS = [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400]; // day axes: one label a day at most
const AXIS = { stroke: "#cbd5e1", grid: { stroke: "#334155" }, ticks: { stroke: "#334155" } };

// A chart of series over time. xs: seconds (UTC); series: [{label, values, color, bars?, dash?}];
// opts: {zone, format ("{HH}:{mm}" or "{MM}-{DD}"), percent, height}.
export function seriesChart(container, xs, series, opts = {}) {
  container.replaceChildren();
  if (!xs.length) {
    container.append(el("p", { class: "empty", text: t("no_data") }));
    return null;
  }
  if (typeof uPlot === "undefined") {
    container.append(barsFallback(xs, series, opts));
    return null;
  }
  const width = Math.max(container.clientWidth - 8, 320);
  const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
  const zone = opts.zone;
  const step = opts.step || (xs.length > 1 ? Math.min(...xs.slice(1).map((x, i) => x - xs[i])) : 900);
  const days = step >= 86400;
  const yFmt = opts.percent ? (u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) : undefined;
  return new uPlot({
    width,
    height: opts.height || 240,
    tzDate: (ts) => (zone && uPlot.tzDate ? uPlot.tzDate(new Date(ts * 1e3), zone) : new Date(ts * 1e3)),
    scales: {
      // half a step of room on each side, so the first and last bars are drawn whole
      x: { time: true, range: (u, min, max) => [min - step / 2, max + step / 2] },
      y: { range: opts.percent ? [0, 1] : (u, min, max) => [0, Math.max(4, Math.ceil((max || 0) * 1.15))] },
    },
    axes: [{ ...AXIS, values: opts.format || "{HH}:{mm}", incrs: days ? DAY_INCRS : undefined }, { ...AXIS, values: yFmt, size: 50 }],
    series: [
      { label: currentLang() === "zh" ? "时间" : "Time" },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.bars ? 1 : 2,
        dash: s.dash,
        fill: s.bars ? `${s.color}88` : undefined,
        paths: s.bars ? bars : undefined,
        points: { show: !s.bars && xs.length < 40 },
        value: opts.percent ? (u, v) => pct(v) : undefined,
      })),
    ],
  }, [xs, ...series.map((s) => s.values)], container);
}

// Without uPlot: one CSS bar per point of the first series (height set through the CSSOM, CSP-safe).
function barsFallback(xs, series, opts) {
  const first = series[0];
  const max = Math.max(1e-9, ...first.values.filter((v) => v != null));
  const box = el("div", { class: "bars-fallback" });
  first.values.forEach((v) => {
    const bar = el("span", { title: String(v ?? "—") });
    bar.style.height = `${((v || 0) / (opts.percent ? 1 : max)) * 100}%`;
    bar.style.background = first.color;
    box.append(bar);
  });
  return box;
}

// A table: columns [{key, label, fmt?, num?}], rows of objects. sortable: click a header to sort by it.
export function dataTable(columns, rows, { sortable = false, testid, sortKey = null, desc = true } = {}) {
  const table = el("table", { "data-testid": testid });
  let key = sortKey;
  let down = desc;
  const body = el("tbody");
  const head = el("tr");
  const draw = () => {
    const sorted = key == null ? rows : [...rows].sort((a, b) => {
      const x = a[key]; const y = b[key];
      if (x == null && y == null) return 0;
      if (x == null) return 1;
      if (y == null) return -1;
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return down ? -c : c;
    });
    body.replaceChildren(...sorted.map((row) => el("tr", { "data-row": row[columns[0].key] },
      columns.map((c) => el("td", { class: c.num ? "num" : "" }, c.fmt ? c.fmt(row[c.key], row) : row[c.key] ?? "—")))));
    for (const th of head.children) {
      th.classList.toggle("sorted", th.dataset.key === key);
      th.classList.toggle("asc", th.dataset.key === key && !down);
    }
  };
  for (const c of columns) {
    const th = el("th", { class: `${c.num ? "num" : ""} ${sortable ? "sortable" : ""}`, "data-key": c.key, text: c.label });
    if (sortable) th.addEventListener("click", () => { down = key === c.key ? !down : true; key = c.key; draw(); });
    head.append(th);
  }
  table.append(el("thead", {}, head), body);
  draw();
  return table;
}

export function card(label, value, testid) {
  return el("div", { class: "kpi", "data-testid": testid }, el("span", { text: label }), el("strong", { text: value }));
}

// "2026-12-06" as seconds at the day's UTC midnight (the day axis then shows {MM}-{DD} in UTC).
export function daySeconds(date) {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

export function langParam() {
  return currentLang() === "en" ? "en" : "zh";
}
