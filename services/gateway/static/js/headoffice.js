// Head office: every branch at a glance (refreshed on the all-branch stream), drill-down to a branch.
import { api, el, fill, openStream, TOPIC } from "./api.js";
import { applyTexts, bindToggle, onLangChange, problemText, t, waitText } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let timer = null;
let data = null;
let selected = null;

const pct = (v) => (v == null ? "—" : `${Math.round(v * 100)}%`);

function render() {
  if (!data) return;
  $("total-waiting").textContent = data.totals.waiting;
  $("total-tickets").textContent = data.totals.tickets_today;
  $("total-alerts").textContent = data.totals.open_alerts;
  const rows = data.branches.map((b) => {
    const link = el("a", { href: `/?branch=${encodeURIComponent(b.branch_id)}`, text: t("details") });
    const pick = el("button", { type: "button", text: "›" });
    pick.addEventListener("click", () => { selected = b.branch_id; detail(); });
    return el("tr", { "data-branch": b.branch_id },
      el("td", {}, el("strong", { text: b.branch_id })),
      el("td", { text: b.waiting }), el("td", { text: b.tickets_today }),
      el("td", { class: b.service_level != null && b.service_level < 0.8 ? "bad" : "", text: pct(b.service_level) }),
      el("td", { class: b.open_alerts ? "bad" : "", text: b.open_alerts }),
      el("td", { class: b.cameras_down ? "bad" : "", text: b.cameras_down }),
      el("td", { text: b.satisfaction.count ? `${b.satisfaction.average}` : "—" }),
      el("td", {}, pick, " ", link));
  });
  const head = ["branch", "waiting", "tickets_today", "service_level", "open_alerts", "cameras_down", "satisfaction", ""]
    .map((k) => el("th", { text: k ? t(k) : "" }));
  fill($("branches"), rows.length ? el("table", {}, el("thead", {}, el("tr", {}, head)), el("tbody", {}, rows))
    : el("p", { class: "empty", text: t("no_branches") }));
}

async function detail() {
  if (!selected) return;
  const b = await api(`/v1/head-office/branches/${encodeURIComponent(selected)}`);
  $("detail-title").textContent = `${t("details")} · ${selected}`;
  const services = ((b.forecast && b.forecast.per_service) || []).map((s) =>
    el("li", {}, `${t(s.service)}: ${s.waiting} · ${waitText(s.est_wait_min, s.est_wait_p90_min)}`));
  const alerts = b.alerts.filter((a) => a.status === "open").map((a) =>
    el("li", { class: `alert sev-${a.severity}` }, (a.message && a.message[document.documentElement.lang === "en" ? "en" : "zh"]) || a.kind));
  fill($("detail"), el("h3", { text: t("queue") }), el("ul", { class: "feed" }, services),
    el("h3", { text: t("alerts") }), el("ul", { class: "feed" }, alerts.length ? alerts : [el("li", { class: "empty", text: t("no_alerts") })]),
    el("h3", { text: t("satisfaction_today") }), el("ul", { class: "feed", "data-testid": "detail-satisfaction" },
      Object.keys(b.satisfaction_by_service || {}).length
        ? Object.entries(b.satisfaction_by_service).map(([s, r]) => el("li", {}, `${t(s)}: ${r.average} / 5 (${r.count})`))
        : [el("li", { class: "empty", text: t("no_ratings") })]),
    el("p", {}, `${t("kyc_today")}: ${Object.entries(b.kyc_today).map(([k, n]) => `${t(k)} ${n}`).join(" · ") || 0} · ${t("voice_turns")}: ${b.voice_turns_today}`),
    el("p", {}, el("a", { href: `/?branch=${encodeURIComponent(selected)}`, text: `${t("title")} →` })));
}

async function refresh() {
  timer = null;
  data = await api("/v1/head-office/branches");
  render();
  if (selected) detail().catch(() => {});
}

function later() {
  if (!timer) timer = setTimeout(() => refresh().catch(() => {}), 1000);
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => { render(); detail().catch(() => {}); });
  $("logout").addEventListener("click", async () => { await api("/v1/auth/logout", { method: "POST" }); location.href = "/login"; });
  await refresh();
  const types = [TOPIC.forecast, TOPIC.tickets, TOPIC.alerts, TOPIC.camera, TOPIC.feedback];
  openStream(`/v1/stream?types=${types.join(",")}`, {
    types, onEvent: later, onReopen: later,
    onStatus: (s) => { delete $("live").dataset.i18n; $("live").className = `live is-${s}`; $("live").textContent = t(s); },
  });
}

main().catch((error) => {
  if (error.status === 401) location.href = "/login?next=/head-office";
  else document.body.prepend(el("p", { class: "warn banner", text: `${t("error")}: ${problemText(error)}` }));
});
