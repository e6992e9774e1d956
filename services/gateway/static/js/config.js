// The branch's configuration (records, through the gateway): read, edit, save with If-Match, audit log.
// A 422 shows records' reasons next to their fields (records' field paths: "staff.0.absences.1"), a 412 asks
// for a reload; head office reads without editing.
import { ApiError, api, el, fill } from "./api.js";
import { applyTexts, bindToggle, currentLang, onLangChange, problemText, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ALL_SERVICES = ["cash", "general", "corporate", "wealth", "fx"];
const CSRF = { "X-BranchOps-Request": "1" };

let branch = null;
let canEdit = false;
let stored = null; // records' view: {version, updated_at, updated_by, config}
let etag = null;
let doc = null; // the edited copy of stored.config
let dirty = false;
let reasons = [];
let banner = null; // {kind: "stale"|"error"|"invalid"|"saved", text}
let audit = [];

const clone = (x) => JSON.parse(JSON.stringify(x));
const base = () => `/v1/branches/${encodeURIComponent(branch)}/config`;

async function request(method, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") Object.assign(init.headers, CSRF, { "Content-Type": "application/json" });
  if (method === "PUT" && etag) init.headers["If-Match"] = etag;
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(base(), init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get("etag") };
}

function localTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(currentLang() === "zh" ? "zh-CN" : "en-GB",
    { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      timeZone: (stored && stored.config && stored.config.branch && stored.config.branch.timezone) || "Asia/Shanghai" });
}

function changed() {
  dirty = true;
  if (banner && banner.kind === "saved") banner = null;
  renderBar();
}

// An input bound to doc: get() reads the value, set(v) writes it (then the page is "unsaved").
function input(field, value, set, attrs = {}) {
  const node = el("input", { value: value ?? "", "data-field": field, disabled: !canEdit, ...attrs });
  node.addEventListener("input", () => { set(node.value); changed(); });
  return node;
}

function numberInput(field, value, set, attrs = {}) {
  return input(field, value, (v) => set(v === "" ? null : Number(v)), { type: "number", ...attrs });
}

function button(text, onClick, attrs = {}) {
  return el("button", { type: "button", class: "small", disabled: !canEdit, ...attrs, onclick: () => { onClick(); changed(); renderForm(); } }, text);
}

function skillBoxes(field, skills, offered, testid) {
  const codes = [...new Set([...offered, ...skills])];
  return el("div", { class: "skills", "data-field": field, "data-testid": testid }, codes.map((code) => {
    const box = el("input", { type: "checkbox", value: code, checked: skills.includes(code), disabled: !canEdit });
    box.addEventListener("change", () => {
      const at = skills.indexOf(code);
      if (box.checked && at < 0) skills.push(code);
      if (!box.checked && at >= 0) skills.splice(at, 1);
      changed();
    });
    return el("label", { class: "skill" }, box, ` ${t(code)}`);
  }));
}

function spans(field, list) {
  return el("div", { class: "spans", "data-field": field }, list.length ? list.map((span, k) => el("span", { class: "span", "data-field": `${field}.${k}` },
    input(`${field}.${k}.open`, span.open, (v) => { span.open = v; }, { type: "time", "data-testid": `${field}.${k}.open` }),
    "–",
    input(`${field}.${k}.close`, span.close, (v) => { span.close = v; }, { type: "time", "data-testid": `${field}.${k}.close` }),
    button("×", () => list.splice(k, 1), { title: t("remove") }))) : el("span", { class: "muted", text: t("closed_day") }));
}

// The optional address {zh, en} and phone: both address fields empty (or the phone empty) is no address (null).
function addressFields(info) {
  const setAddress = (lang, v) => {
    const next = { zh: "", en: "", ...(info.address || {}), [lang]: v };
    info.address = next.zh.trim() || next.en.trim() ? next : null;
  };
  const address = info.address || {};
  return el("div", { class: "address", "data-field": "branch.address", "data-testid": "address" },
    el("p", {}, el("label", {}, `${t("address_zh")} `, input("branch.address.zh", address.zh, (v) => setAddress("zh", v),
      { size: 40, maxlength: 200, "data-testid": "address-zh" }))),
    el("p", {}, el("label", {}, `${t("address_en")} `, input("branch.address.en", address.en, (v) => setAddress("en", v),
      { size: 40, maxlength: 200, "data-testid": "address-en" }))),
    el("p", {}, el("label", {}, `${t("branch_phone")} `, input("branch.phone", info.phone, (v) => { info.phone = v.trim() ? v : null; },
      { type: "tel", maxlength: 32, "data-testid": "phone" }))),
    el("p", { class: "muted", text: t("address_hint") }));
}

function sectionBranch() {
  const info = doc.branch;
  info.hours = info.hours || {};
  info.holidays = info.holidays || [];
  const hours = DAYS.map((day) => {
    const list = info.hours[day] || [];
    return el("tr", { "data-day": day }, el("th", { text: t(day) }), el("td", {}, spans(`branch.hours.${day}`, list)),
      el("td", {}, button(t("add_span"), () => { info.hours[day] = [...list, { open: "09:00", close: "17:00" }]; })));
  });
  const holidays = info.holidays.map((h, i) => el("li", { "data-field": `branch.holidays.${i}` },
    input(`branch.holidays.${i}.date`, h.date, (v) => { h.date = v; }, { type: "date" }),
    input(`branch.holidays.${i}.name`, h.name, (v) => { h.name = v; }, { placeholder: t("name") }),
    button("×", () => info.holidays.splice(i, 1), { title: t("remove") })));
  return el("section", { class: "card", "data-field": "branch" }, el("h2", { text: t("branch_info") }),
    el("p", {}, el("label", {}, `${t("name")} `, input("branch.name", info.name, (v) => { info.name = v; })),
      " ", el("span", { class: "muted", "data-field": "branch.timezone", text: `${t("timezone")}: ${info.timezone}` })),
    el("h3", { text: t("address") }), addressFields(info),
    el("h3", { text: t("hours") }), el("table", { class: "hours", "data-field": "branch.hours", "data-testid": "hours" }, el("tbody", {}, hours)),
    el("h3", { text: t("holidays") }), el("ul", { class: "plain", "data-field": "branch.holidays" }, holidays),
    button(t("add_holiday"), () => info.holidays.push({ date: new Date().toISOString().slice(0, 10), name: "" })));
}

function sectionServices() {
  const rows = doc.services.map((s, i) => el("tr", { "data-service": s.code, "data-field": `services.${i}` },
    el("td", {}, el("strong", { text: s.code })),
    el("td", {}, input(`services.${i}.name.zh`, s.name.zh, (v) => { s.name.zh = v; })),
    el("td", {}, input(`services.${i}.name.en`, s.name.en, (v) => { s.name.en = v; })),
    el("td", {}, numberInput(`services.${i}.target_wait_min`, s.target_wait_min, (v) => { s.target_wait_min = v; },
      { min: 1, max: 240, class: "num", "data-testid": `target-${s.code}` })),
    el("td", {}, input(`services.${i}.ticket_prefix`, s.ticket_prefix, (v) => { s.ticket_prefix = v; }, { maxlength: 1, class: "num" }))));
  return el("section", { class: "card", "data-field": "services" }, el("h2", { text: t("services") }),
    el("table", { "data-testid": "services" }, el("thead", {}, el("tr", {}, [t("code"), t("name_zh"), t("name_en"), t("target_wait"), t("prefix")].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows)));
}

function offered() {
  return doc.services.map((s) => s.code);
}

function sectionWindows() {
  const rows = doc.windows.map((w, i) => el("tr", { "data-window": w.id, "data-field": `windows.${i}` },
    el("td", {}, el("strong", { text: w.id })),
    el("td", {}, input(`windows.${i}.label`, w.label, (v) => { w.label = v; })),
    el("td", {}, skillBoxes(`windows.${i}.skills`, w.skills, offered().length ? offered() : ALL_SERVICES, `window-skills-${w.id}`))));
  return el("section", { class: "card", "data-field": "windows" }, el("h2", { text: t("windows") }),
    el("table", { "data-testid": "windows" }, el("thead", {}, el("tr", {}, [t("window"), t("label"), t("skills")].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows)));
}

function sectionStaff() {
  const windowSkills = [...new Set(doc.windows.flatMap((w) => w.skills))];
  const rows = doc.staff.map((m, i) => {
    m.absences = m.absences || [];
    const absences = m.absences.map((a, j) => el("li", { "data-field": `staff.${i}.absences.${j}`, "data-testid": `absence-${m.id}-${j}` },
      input(`staff.${i}.absences.${j}.start`, a.start, (v) => { a.start = v; }, { type: "date", "data-testid": `absence-start-${m.id}-${j}` }),
      ` ${t("to")} `,
      input(`staff.${i}.absences.${j}.end`, a.end, (v) => { a.end = v; }, { type: "date", "data-testid": `absence-end-${m.id}-${j}` }),
      ` ${t("arrives_at")} `,
      input(`staff.${i}.absences.${j}.arrives_at`, a.arrives_at, (v) => { if (v) a.arrives_at = v; else delete a.arrives_at; },
        { type: "time", title: t("arrives_at_hint"), "data-testid": `absence-arrives-${m.id}-${j}` }),
      button("×", () => m.absences.splice(j, 1), { title: t("remove") })));
    const add = button(t("add_absence"), () => {
      const day = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
      m.absences.push({ start: day, end: day });
    }, { "data-testid": `add-absence-${m.id}` });
    const late = button(t("add_late"), () => {  // today (the branch's day), comes an hour after now
      const now = new Date();
      const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
      const hour = String(Math.min(now.getHours() + 1, 23)).padStart(2, "0");
      m.absences.push({ start: day, end: day, arrives_at: `${hour}:00` });
    }, { "data-testid": `add-late-${m.id}` });
    return el("tr", { "data-staff": m.id, "data-field": `staff.${i}` },
      el("td", {}, el("strong", { text: m.id }), el("br"), el("small", { text: m.display_name })),
      el("td", {}, skillBoxes(`staff.${i}.skills`, m.skills, windowSkills.length ? windowSkills : ALL_SERVICES, `staff-skills-${m.id}`)),
      el("td", {}, numberInput(`staff.${i}.max_minutes_per_day`, m.max_minutes_per_day, (v) => { m.max_minutes_per_day = v ?? 480; }, { min: 0, max: 1440, class: "num" }),
        el("br"), numberInput(`staff.${i}.max_minutes_per_week`, m.max_minutes_per_week, (v) => { m.max_minutes_per_week = v; }, { min: 0, max: 10080, class: "num", placeholder: "—", title: t("max_week") })),
      el("td", {}, el("ul", { class: "plain", "data-field": `staff.${i}.absences` }, absences), add, " ", late));
  });
  return el("section", { class: "card wide", "data-field": "staff" }, el("h2", { text: t("staff") }),
    el("table", { "data-testid": "staff" }, el("thead", {}, el("tr", {}, [t("staff"), t("skills"), `${t("max_day")} / ${t("max_week")}`, t("absences")].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows)));
}

function reasonText(r) {
  const key = `r_${r.code}`;
  const known = t(key) !== key;
  // records' message is English: shown as it is in English, and under the Chinese text for codes without one
  if (currentLang() === "en") return r.message || (known ? t(key) : r.code);
  return known ? t(key) : `${t("r_invalid")}: ${r.message}`;
}

// Each reason next to its field: the element with that data-field, else the nearest enclosing path's.
function placeReasons() {
  const form = $("form");
  const loose = [];
  for (const r of reasons) {
    let path = String(r.field || "");
    let target = null;
    while (path && !target) {
      target = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (!target) path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    }
    if (!target) { loose.push(r); continue; }
    target.classList.add("invalid");
    const note = el("small", { class: "reason", "data-testid": "reason", "data-code": r.code, "data-for": r.field, text: reasonText(r) });
    if (target.tagName === "INPUT") target.insertAdjacentElement("afterend", note);
    else target.append(note);
  }
  return loose;
}

function renderBar() {
  $("save").disabled = !canEdit || !dirty || !doc;
  $("save").hidden = !canEdit || !doc; // head office reads; a branch without a configuration has nothing to save
  $("discard").hidden = !dirty;
  $("status").textContent = dirty ? t("unsaved") : "";
  $("status").className = dirty ? "warn" : "";
  if (stored) {
    const who = stored.updated_by ? `${stored.updated_by.subject} (${stored.updated_by.role})` : "";
    $("meta").textContent = `${t("version")} ${stored.version} · ${t("updated")} ${localTime(stored.updated_at)} · ${t("by")} ${who}`;
    $("meta").dataset.version = stored.version;
  }
}

function renderBanner(loose = []) {
  const box = $("banner");
  if (!banner) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  box.className = `banner-box ${banner.kind}`;
  box.dataset.kind = banner.kind;
  const text = banner.kind === "stale" ? t("stale") : banner.kind === "invalid" ? t("invalid_config")
    : banner.kind === "saved" ? `${t("saved")} · ${t("version")} ${stored.version}` : banner.text;
  fill(box, el("span", { text }),
    banner.kind === "stale" ? el("button", { type: "button", class: "primary", "data-testid": "reload", onclick: () => load() }, t("reload")) : null,
    loose.length ? el("ul", {}, loose.map((r) => el("li", { "data-testid": "reason", "data-code": r.code }, `${r.field}: ${reasonText(r)}`))) : null);
}

function renderForm() {
  if (!doc) return;
  fill($("form"), sectionBranch(), sectionServices(), sectionWindows(), sectionStaff(),
    canEdit ? null : el("p", { class: "muted", text: t("read_only") }));
  const loose = placeReasons();
  renderBar();
  renderBanner(loose);
}

function diffText(diff) {
  if (!diff || typeof diff !== "object") return "";
  if (diff.created) return t("created");
  const parts = [];
  for (const [section, what] of Object.entries(diff)) {
    const name = section === "branch" ? t("branch_fields") : t(section);
    if (Array.isArray(what)) parts.push(`${name}: ${what.map((f) => t(f)).join(", ")}`);
    else if (what && typeof what === "object") {
      parts.push(`${name}: ${Object.entries(what).map(([kind, ids]) => `${t(kind)} ${[].concat(ids).join(", ")}`).join("; ")}`);
    } else parts.push(name);
  }
  return parts.join(" · ");
}

function renderAudit() {
  const items = audit.map((e) => el("li", { "data-version": e.version },
    el("strong", { text: `v${e.version}` }), ` ${localTime(e.changed_at)} · ${e.subject} (${e.role}) · `,
    el("span", { class: "diff", text: diffText(e.diff) })));
  fill($("audit"), items.length ? items : [el("li", { class: "muted", text: t("no_audit") })]);
}

async function loadAudit() {
  try {
    const body = await api(`${base()}/audit?limit=20`);
    audit = body.entries || [];
  } catch (error) {
    audit = [];
    fill($("audit"), el("li", { class: "muted", text: problemText(error) }));
    return;
  }
  renderAudit();
}

async function load() {
  banner = null;
  reasons = [];
  try {
    const got = await request("GET");
    stored = got.data;
    etag = got.etag || `"${stored.version}"`;
    doc = clone(stored.config);
    dirty = false;
  } catch (error) {
    doc = null;
    if (error.status === 404) {
      fill($("form"), el("p", { class: "empty big", "data-testid": "not-configured", text: t("not_configured") }));
    } else {
      fill($("form"), el("p", { class: "warn big", text: problemText(error) }));
    }
    renderBar();
    renderBanner();
    loadAudit();
    return;
  }
  renderForm();
  loadAudit();
}

async function save() {
  if (!doc || !dirty) return;
  $("save").disabled = true;
  $("status").textContent = t("saving");
  try {
    const got = await request("PUT", doc);
    stored = got.data;
    etag = got.etag || `"${stored.version}"`;
    doc = clone(stored.config);
    dirty = false;
    reasons = [];
    banner = { kind: "saved" };
    loadAudit();
  } catch (error) {
    reasons = [];
    if (error.status === 412 || error.status === 428) banner = { kind: "stale" };
    else if (error.status === 422) {
      reasons = (error.body && error.body.reasons) || [];
      banner = { kind: "invalid" };
    } else banner = { kind: "error", text: problemText(error) };
  }
  renderForm();
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => { renderForm(); renderAudit(); if (!doc) load(); });
  $("logout").addEventListener("click", async () => { await api("/v1/auth/logout", { method: "POST" }); location.href = "/login"; });
  $("save").addEventListener("click", save);
  $("discard").addEventListener("click", () => { doc = clone(stored.config); dirty = false; reasons = []; banner = null; renderForm(); });
  window.addEventListener("beforeunload", (e) => { if (dirty) e.preventDefault(); });
  const me = await api("/v1/auth/me");
  branch = me.branch_id || new URLSearchParams(location.search).get("branch");
  canEdit = me.role === "manager";
  if (!branch) {
    fill($("form"), el("p", { class: "warn big", text: me.role === "head_office" ? t("pick_branch") : t("no_branch") }));
    return;
  }
  $("branch-name").textContent = branch;
  const query = me.branch_id ? "" : `?branch=${encodeURIComponent(branch)}`;
  $("dashboard-link").href = `/${query}`;
  $("reports-link").href = `/reports${query}`;
  document.title = `BranchOps · ${t("config_title")} · ${branch}`;
  await load();
}

main().catch((error) => {
  if (error.status === 401) location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  else document.body.prepend(el("p", { class: "warn banner", text: `${t("error")}: ${problemText(error)}` }));
});
