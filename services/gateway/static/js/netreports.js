// Head office's network reports (records through the gateway): every branch ranked over the last 7 or 30
// days (sortable), the network's trend per day, and the ranking as CSV.
import { api, el, fill } from "./api.js";
import { onLangChange, problemText, t } from "./i18n.js";
import { dataTable, daySeconds, mins, num, pct, seriesChart } from "./reportcharts.js";

const $ = (id) => document.getElementById(id);
let ranking = null;
let trend = null;
let failed = null;
let today = null; // records' "to" default: the network's local today

function shift(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function change(v) {
  if (v == null) return "—";
  return el("span", { class: v > 0 ? "up" : v < 0 ? "down" : "", text: `${v > 0 ? "+" : ""}${Number(v).toFixed(1)}` });
}

function render() {
  if (failed) {
    fill($("net-ranking"), el("p", { class: "warn", "data-testid": "net-error", text: `${t("reports_down")}: ${problemText(failed)}` }));
    $("net-trend").replaceChildren();
    return;
  }
  if (!ranking) return;
  $("net-dates").textContent = `${ranking.from} – ${ranking.to}`;
  const rows = (ranking.branches || []).map((b) => ({ ...b, name: b.name || b.branch_id }));
  const link = (id) => el("a", { href: `/reports?branch=${encodeURIComponent(id)}` }, id);
  const columns = [
    { key: "branch_id", label: t("branch"), fmt: (v) => link(v) },
    { key: "rank", label: t("rank"), num: true },
    { key: "arrivals", label: t("arrivals_total"), num: true },
    { key: "served", label: t("served"), num: true },
    { key: "abandoned", label: t("abandoned"), num: true },
    { key: "within_target_share", label: t("within_target"), fmt: pct, num: true },
    { key: "change_points", label: t("change"), fmt: change, num: true },
    { key: "wait_p90_min", label: t("wait_p90"), fmt: mins, num: true },
    { key: "rating_avg", label: t("rating_avg"), fmt: (v) => num(v, 2), num: true },
    { key: "voice_containment", label: t("containment"), fmt: pct, num: true },
    { key: "alerts_raised", label: t("alerts_raised"), num: true },
  ];
  fill($("net-ranking"), rows.length
    ? dataTable(columns, rows, { sortable: true, testid: "ranking", sortKey: "within_target_share", desc: true })
    : el("p", { class: "empty", text: t("no_data") }));
  const days = (trend && trend.days) || [];
  seriesChart($("net-trend"), days.map((d) => daySeconds(d.date)), [
    { label: t("arrivals_total"), values: days.map((d) => d.arrivals), color: "#f59e0b", bars: true },
    { label: t("served"), values: days.map((d) => d.served), color: "#22c55e" },
  ], { zone: "UTC", format: "{MM}-{DD}", step: 86400 });
}

async function load() {
  failed = null;
  try {
    if (!today) today = (await api("/v1/reports/branches?limit=1")).to;
    const span = Number($("net-range").value) || 7;
    const q = `from=${shift(today, -(span - 1))}&to=${today}`;
    [ranking, trend] = await Promise.all([api(`/v1/reports/branches?${q}`), api(`/v1/reports/trend?${q}`)]);
    $("net-csv").href = `/v1/reports/branches.csv?${q}`;
  } catch (error) {
    failed = error;
  }
  render();
}

if ($("network")) {
  $("net-range").addEventListener("change", load);
  onLangChange(render);
  load();
}
