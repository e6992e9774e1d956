// Teller console of one window: one key or one click per action, undo a mistaken call within 5 s.
// The window is chosen on the first visit and kept in localStorage; the page follows the branch's stream.
import { api, branchTime, clockNow, el, fill, openStream, setClock, TOPIC } from "./api.js";
import { applyTexts, bindToggle, onLangChange, problemText, t, waitText } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const UNDO_MS = 5000;
const state = {
  branch: null, windowId: null, data: null, busy: false, lastCall: null, undoTimer: null, reload: null, formShown: null,
};
const storeKey = () => `bo-teller-window:${state.branch}`;
const base = () => `/v1/branches/${encodeURIComponent(state.branch)}`;
const win = () => `${base()}/windows/${encodeURIComponent(state.windowId)}`;

function showError(error) {
  const box = $("error");
  if (!error) { box.hidden = true; box.textContent = ""; return; }
  const detail = error.body && error.body.detail;
  const explained = (error.status === 409 || error.status === 422) && typeof detail === "string";
  box.textContent = explained ? `${problemText(error)}: ${detail}` : problemText(error);
  box.hidden = false;
}

function minutesSince(iso, until = clockNow()) {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : Math.max(0, (until - at) / 60000);
}

function minutesText(value) {
  if (value == null) return "—";
  return value < 1 ? `< 1 ${t("min_short")}` : `${Math.round(value)} ${t("min_short")}`;
}

function renderCustomer() {
  const c = state.data && state.data.current;
  if (!c) {
    fill($("customer"), el("p", { class: "muted", "data-testid": "no-customer", text: t("no_customer") }));
    return;
  }
  const waited = c.called_at ? minutesSince(c.issued_at, Date.parse(c.called_at)) : minutesSince(c.issued_at);
  fill($("customer"),
    el("div", { class: "big-number", "data-testid": "current-number", text: c.number }),
    el("div", { class: "facts" },
      el("span", { class: "service", text: t(c.service) }),
      el("span", { class: `status st-${c.status}`, "data-testid": "current-status", text: t(c.status) }),
      el("span", {}, `${t("waited")} `, el("strong", { text: minutesText(waited) })),
      c.called_at ? el("span", {}, `${t("at_window_for")} `, el("strong", { text: minutesText(minutesSince(c.called_at)) })) : null));
}

function renderLines() {
  const lines = (state.data && state.data.lines) || [];
  fill($("lines"), lines.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", { text: t("service") }), el("th", { text: t("waiting") }),
      el("th", { text: t("est_wait") }), el("th", { text: t("next_numbers") }))),
    el("tbody", {}, lines.map((l) => el("tr", { "data-service": l.service },
      el("td", { text: t(l.service) }), el("td", { class: "n", text: String(l.waiting) }),
      el("td", { text: l.waiting ? waitText(l.est_wait_min, l.est_wait_p90_min) : t("no_wait") }),
      el("td", { class: "numbers", text: l.next.join("  ") || "—" })))))
    : el("p", { class: "muted", text: t("nobody_waiting") }));
}

function renderButtons() {
  const c = state.data && state.data.current;
  const open = state.data && state.data.window && state.data.window.state === "open";
  $("act-call").disabled = state.busy || !open || !!c;
  $("act-recall").disabled = state.busy || !c || c.status !== "called";
  $("act-no-show").disabled = state.busy || !c || c.status !== "called";
  $("act-transfer").disabled = state.busy || !c;
  $("act-finish").disabled = state.busy || !c;
  const undoable = state.lastCall && c && c.ticket_id === state.lastCall.ticketId && Date.now() - state.lastCall.at < UNDO_MS;
  $("act-undo").disabled = state.busy || !undoable;
  $("undo-left").textContent = undoable ? `${Math.ceil((UNDO_MS - (Date.now() - state.lastCall.at)) / 1000)} s` : t("undo_hint");
}

function render() {
  if (!state.data) return;
  $("window-name").textContent = state.windowId;
  renderCustomer();
  renderLines();
  $("directed").textContent = state.data.directed == null ? "—" : String(state.data.directed);
  const today = state.data.today || {};
  $("served").textContent = String(today.served ?? 0);
  $("avg-handling").textContent = today.avg_handling_min == null ? "—" : `${today.avg_handling_min} ${t("min_short")}`;
  renderForm();
  if (state.data.window && state.data.window.state !== "open") showError({ status: 409, body: { detail: t("window_closed") } });
  renderButtons();
}

// The digital employee's prepared form of the current customer: what they already said, shown so the teller
// never asks again; a field the customer got wrong is corrected in place (the queue checks its type).
const formValue = (name, value) => (name === "card_type" || name === "service" ? t(value) : String(value));

function renderForm(force = false) {
  const box = $("prepared-form");
  const current = state.data && state.data.current;
  const form = state.data && state.data.prepared_form;
  const shown = JSON.stringify([current && current.ticket_id, form, document.documentElement.lang]);
  if (!force && shown === state.formShown) return;
  if (!force && box.contains(document.activeElement) && document.activeElement.matches("input")) return;
  state.formShown = shown;
  if (!form) { fill(box, el("span", { "data-testid": "form-none", text: t("none") })); return; }
  const kind = t(`k_${form.kind}`);
  const fields = Object.entries(form.fields || {});
  fill(box,
    el("div", { class: "form-kind", "data-testid": "form-kind", "data-kind": form.kind }, el("strong", { text: kind })),
    fields.length ? el("table", { class: "form-fields", "data-testid": "form-fields" },
      el("thead", {}, el("tr", {}, el("th", { text: t("form_field") }), el("th", { text: t("form_value") }), el("th", {}))),
      el("tbody", {}, fields.map(([name, value]) => {
        const input = el("input", { value: String(value), "data-field": name, "aria-label": t(`f_${name}`), size: 14,
          title: formValue(name, value), onkeydown: (e) => { if (e.key === "Enter") { e.preventDefault(); fixField(name, input); } } });
        return el("tr", { "data-field": name },
          el("th", { text: t(`f_${name}`) }),
          el("td", {}, input),
          el("td", {}, el("button", { type: "button", "data-fix": name, onclick: () => fixField(name, input) }, t("form_fix"))));
      })))
      : el("p", { class: "muted", text: t("form_empty") }));
}

async function fixField(name, input) {
  const current = state.data && state.data.current;
  if (!current || state.busy) return;
  const value = input.value.trim();
  const note = $("form-note");
  try {
    const path = `${win()}/tickets/${encodeURIComponent(current.ticket_id)}/form`;
    const ticket = await api(path, { method: "PATCH", json: { fields: { [name]: value === "" ? null : value } } });
    state.data.prepared_form = ticket.form;
    showError(null);
    renderForm(true);
    note.textContent = `${t(`f_${name}`)}: ${t("form_saved")}`;
    note.hidden = false;
  } catch (error) {
    showError(error);
    note.hidden = true;
  }
}

async function load() {
  const data = await api(`${win()}/console`);
  setClock(data.clock);
  state.data = data;
  if (!data.window || data.window.state !== "open") return openSetup(data.windows, data.window);
  $("setup").hidden = true;
  $("console").hidden = false;
  render();
}

function scheduleLoad() {
  clearTimeout(state.reload);
  state.reload = setTimeout(() => load().catch(showError), 250);
}

async function act(run) {
  if (state.busy) return;
  state.busy = true;
  renderButtons();
  try {
    await run();
    showError(null);
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    await load().catch(showError);
  }
}

const post = (path, json) => api(path, { method: "POST", json });
const ticketPath = (action) => `${win()}/tickets/${encodeURIComponent(state.data.current.ticket_id)}/${action}`;

function callNext() {
  if ($("act-call").disabled) return;
  act(async () => {
    const called = await post(`${win()}/call-next`);
    if (called) {
      state.lastCall = { ticketId: called.ticket_id, at: Date.now() };
      clearInterval(state.undoTimer);
      state.undoTimer = setInterval(() => {
        renderButtons();
        if (!state.lastCall || Date.now() - state.lastCall.at >= UNDO_MS) clearInterval(state.undoTimer);
      }, 250);
    } else {
      showError(null);
      $("customer").replaceChildren(el("p", { class: "muted", "data-testid": "nobody", text: t("nobody_waiting") }));
    }
  });
}

function ticketAction(id, action, json) {
  if ($(id).disabled) return;
  act(() => post(ticketPath(action), json));
}

function undo() {
  if ($("act-undo").disabled) return;
  const ticketId = state.lastCall.ticketId;
  state.lastCall = null;
  act(() => post(`${win()}/undo-call`, { ticket_id: ticketId }));
}

// Transfer targets: a service line (keys 1..5) or another open window, into its own line (keys A, B, C...).
const WINDOW_KEYS = "abcdefghijklm";

function openTransfer() {
  if ($("act-transfer").disabled) return;
  const current = state.data.current;
  const targets = (state.data.transfer_to || state.data.services || []).filter((s) => s !== current.service);
  fill($("transfer-options"), targets.map((service, i) => el("button", { type: "button", "data-service": service,
    onclick: () => doTransfer({ service }) }, el("kbd", { text: String(i + 1) }), ` ${t(service)}`)));
  const windows = (state.data.transfer_windows || []).slice(0, WINDOW_KEYS.length);
  fill($("transfer-windows"), windows.length ? windows.map((w, i) => el("button", { type: "button", "data-window": w,
    "data-key": WINDOW_KEYS[i], onclick: () => doTransfer({ to_window: w }) },
  el("kbd", { text: WINDOW_KEYS[i].toUpperCase() }), ` ${t("window")} ${w}`)) : el("span", { class: "muted", text: "—" }));
  $("transfer-box").hidden = false;
}

function closeTransfer() { $("transfer-box").hidden = true; }

function doTransfer(target) {
  closeTransfer();
  act(() => post(ticketPath("transfer"), target));
}

function onKey(event) {
  if (!$("setup").hidden || event.target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (!$("transfer-box").hidden) {
    const buttons = [...$("transfer-options").querySelectorAll("button")];
    const n = Number(key);
    const toWindow = key.length === 1 && $("transfer-windows").querySelector(`button[data-key="${key.toLowerCase()}"]`);
    if (n >= 1 && n <= buttons.length) { event.preventDefault(); buttons[n - 1].click(); }
    else if (toWindow) { event.preventDefault(); toWindow.click(); }
    else if (key === "Escape") { event.preventDefault(); closeTransfer(); }
    return;
  }
  const actions = {
    F1: callNext, " ": callNext, r: () => ticketAction("act-recall", "recall"), n: () => ticketAction("act-no-show", "no-show"),
    t: openTransfer, f: () => ticketAction("act-finish", "complete"), u: undo,
  };
  const run = actions[key.length === 1 ? key.toLowerCase() : key];
  if (run) { event.preventDefault(); run(); }
}

function openSetup(windows = [], current = null) {
  $("console").hidden = true;
  $("setup").hidden = false;
  $("setup-window").value = state.windowId || (current && current.window_id) || "";
  const skills = new Set((current && current.skills) || []);
  fill($("known-windows"), (windows || []).map((w) => el("button", { type: "button", class: `chip st-${w.state}`,
    "data-window": w.window_id, onclick: () => {
      $("setup-window").value = w.window_id;
      for (const box of $("setup-services").querySelectorAll("input")) box.checked = (w.skills || []).includes(box.value);
    } }, `${w.window_id} · ${t(w.state)}`)));
  const services = (state.data && state.data.services) || ["cash", "general", "corporate", "wealth", "fx"];
  fill($("setup-services"), services.map((s) => el("label", { class: "chip" },
    el("input", { type: "checkbox", value: s, checked: skills.has(s) || (!skills.size && (s === "cash" || s === "general")) }), ` ${t(s)}`)));
}

async function openWindow(event) {
  event.preventDefault();
  const windowId = $("setup-window").value.trim();
  const skills = [...$("setup-services").querySelectorAll("input:checked")].map((b) => b.value);
  state.windowId = windowId;
  try {
    await api(win(), { method: "PUT", json: { state: "open", skills } });
    localStorage.setItem(storeKey(), windowId);
    showError(null);
    await load();
  } catch (error) {
    showError(error);
  }
}

async function main() {
  applyTexts();
  bindToggle($("lang"));
  onLangChange(() => {
    render();
    if ($("live").dataset.state) $("live").textContent = t($("live").dataset.state);
  });
  $("logout").addEventListener("click", async () => { await api("/v1/auth/logout", { method: "POST" }).catch(() => {}); location.href = "/login"; });
  const me = await api("/v1/auth/me");
  state.branch = me.branch_id || new URLSearchParams(location.search).get("branch");
  if (!state.branch) { showError({ status: 403 }); $("error").textContent = t("no_branch"); return; }
  $("branch-name").textContent = state.branch;
  state.windowId = localStorage.getItem(storeKey());
  $("setup-form").addEventListener("submit", openWindow);
  $("change-window").addEventListener("click", () => { localStorage.removeItem(storeKey()); openSetup(state.data && state.data.windows, null); });
  $("act-call").addEventListener("click", callNext);
  $("act-recall").addEventListener("click", () => ticketAction("act-recall", "recall"));
  $("act-no-show").addEventListener("click", () => ticketAction("act-no-show", "no-show"));
  $("act-transfer").addEventListener("click", openTransfer);
  $("act-finish").addEventListener("click", () => ticketAction("act-finish", "complete"));
  $("act-undo").addEventListener("click", undo);
  $("transfer-cancel").addEventListener("click", closeTransfer);
  document.addEventListener("keydown", onKey);
  setInterval(() => { $("clock").textContent = branchTime(clockNow()); if (state.data) renderCustomer(); }, 1000);
  if (state.windowId) await load().catch(showError);
  else {
    const queue = await api(`${base()}/queue`).catch(() => null);
    openSetup(queue && queue.windows);
  }
  openStream(`${base()}/stream?types=tickets.v1,windows.v1,queue.forecast.v1`, {
    types: [TOPIC.tickets, TOPIC.windows, TOPIC.forecast],
    onEvent: () => { if (state.windowId && $("setup").hidden) scheduleLoad(); },
    onStatus: (status) => {
      const badge = $("live");
      delete badge.dataset.i18n;
      badge.dataset.state = status;
      badge.className = `live is-${status}`;
      badge.textContent = t(status);
    },
    onReopen: () => { if (state.windowId) load().catch(showError); },
  });
}

main().catch(showError);
