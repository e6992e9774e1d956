// The hall's occupancy heat maps (occupancy.v1 / records' daily report): one camera's grid of person-seconds
// per cell over an hour, drawn on a canvas from an empty cell to the top of the scale, with its legend.
// Counts only: the grid is all there is (no image, no person). No library.
import { el } from "./api.js";
import { addTexts, t } from "./i18n.js";

addTexts({
  heat_title: "大厅热力图", heat_latest: "大厅热力图（最新）", heat_legend: "每格停留时长（人·秒）",
  heat_hour: "时段", heat_peak: "峰值", heat_avg: "平均在场", heat_seen: "覆盖", heat_camera: "摄像头",
  heat_none: "暂无热力数据", heat_people: "人", heat_minutes: "分钟", heat_so_far: "本小时进行中",
}, {
  heat_title: "Hall heat map", heat_latest: "Hall heat map (latest)", heat_legend: "Time spent per cell (person-seconds)",
  heat_hour: "Hour", heat_peak: "Peak", heat_avg: "Average in view", heat_seen: "Seen", heat_camera: "Camera",
  heat_none: "No heat map yet", heat_people: "people", heat_minutes: "min", heat_so_far: "hour in progress",
});

// The same stops as the PDF (services/records/adapters/report_pdf.py HEAT).
export const HEAT = ["#fff7ec", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];
const RGB = HEAT.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

export function heatColour(share) {
  const s = Math.min(Math.max(Number(share) || 0, 0), 1) * (RGB.length - 1);
  const n = Math.min(Math.floor(s), RGB.length - 2);
  const f = s - n;
  const [a, b] = [RGB[n], RGB[n + 1]];
  return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * f)).join(",")})`;
}

// Two parts of one camera's hour (a worker that stopped mid-hour) add up as records adds them.
export function mergeHour(a, b) {
  if (!a || a.cols !== b.cols || a.rows !== b.rows) return { ...b };
  return { ...b, person_s: a.person_s.map((v, i) => v + (b.person_s[i] || 0)),
    seconds: Math.min(3600, (a.seconds || 0) + (b.seconds || 0)), peak: Math.max(a.peak || 0, b.peak || 0) };
}

export function hourOfEvent(d) {
  return { start: d.hour_start, cols: d.cols, rows: d.rows, person_s: d.person_s || [], seconds: d.seconds || 0,
    peak: d.peak || 0, in_progress: !!d.in_progress };
}

// Draws ``hour`` (cols x rows cells, row-major from the top left) on ``canvas`` at ``width`` CSS pixels, the
// frame's 16:9 shape, colours relative to ``top`` person-seconds (the scale's top).
export function drawHeatmap(canvas, hour, top, width) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(120, Math.floor(width));
  const h = Math.round((w * 9) / 16);
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const { cols, rows } = hour;
  const cw = w / cols;
  const ch = h / rows;
  const scale = top > 0 ? top : 1;
  hour.person_s.forEach((v, i) => {
    ctx.fillStyle = heatColour(v / scale);
    ctx.fillRect(Math.floor((i % cols) * cw), Math.floor(Math.floor(i / cols) * ch), Math.ceil(cw), Math.ceil(ch));
  });
  ctx.strokeStyle = "rgba(15,23,42,.18)";
  ctx.lineWidth = 1;
  for (let c = 1; c < cols; c += 1) { ctx.beginPath(); ctx.moveTo(c * cw, 0); ctx.lineTo(c * cw, h); ctx.stroke(); }
  for (let r = 1; r < rows; r += 1) { ctx.beginPath(); ctx.moveTo(0, r * ch); ctx.lineTo(w, r * ch); ctx.stroke(); }
  ctx.strokeStyle = "#475569";
  ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  canvas.dataset.cells = String(hour.person_s.length);
  canvas.dataset.top = String(Math.round(scale));
}

export function heatLegend(top) {
  return el("div", { class: "heat-legend", "data-testid": "heat-legend" },
    el("span", { class: "heat-legend-title", text: t("heat_legend") }),
    el("span", { class: "heat-bar" }), // its gradient (HEAT's stops) is in app.css: the pages allow no inline style
    el("span", { class: "heat-ticks" }, el("span", { text: "0" }), el("span", { text: String(Math.round(top || 0)) })));
}

export function hourCaption(hour, local) {
  const avg = hour.seconds > 0 ? hour.person_s.reduce((a, b) => a + b, 0) / hour.seconds : null;
  const next = `${String((Number(local.slice(0, 2)) + 1) % 24).padStart(2, "0")}:00`;
  return `${local}–${next} · ${t("heat_peak")} ${hour.peak} ${t("heat_people")} · ${t("heat_avg")} `
    + `${avg == null ? "—" : avg.toFixed(1)} ${t("heat_people")} · ${t("heat_seen")} ${Math.round(hour.seconds / 60)} ${t("heat_minutes")}`;
}
