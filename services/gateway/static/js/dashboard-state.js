// The dashboard's model: the first paint from /dashboard, then every SSE event folded in.
import { TOPIC } from "./api.js";
import { hourOfEvent, mergeHour } from "./heatmap.js";

const SLOT_MS = 15 * 60 * 1000;

export function slotOf(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.floor(t / SLOT_MS) * SLOT_MS;
}

export class DashboardState {
  constructor(branchId) {
    this.branchId = branchId;
    this.canAck = false;
    this.services = [];
    this.arrivals = [];
    this.actual = new Map(); // slot start (ms) -> tickets issued
    this.alerts = new Map();
    this.plan = null;
    this.windows = new Map();
    this.tickets = new Map();
    this.cameras = new Map();
    this.footfall = new Map();
    this.heat = new Map(); // camera -> its latest hour's occupancy grid (records' day report, then occupancy.v1)
    this.summary = {};
    this.seenIssued = new Set();
    this.rating = { byWindow: new Map(), byService: new Map(), rated: new Set() };
  }

  load(body) {
    const snap = body.snapshot || {};
    this.canAck = !!body.can_ack;
    this.summary = snap;
    const queue = body.queue || {};
    this.services = queue.services || (snap.forecast && snap.forecast.per_service) || [];
    this.arrivals = (snap.forecast && snap.forecast.arrivals && snap.forecast.arrivals.length
      ? snap.forecast.arrivals : queue.arrivals) || [];
    this.actual = new Map();
    for (const [slot, n] of Object.entries(snap.arrivals_actual || {})) {
      const key = slotOf(slot);
      if (key !== null) this.actual.set(key, n);
    }
    this.alerts = new Map();
    for (const a of body.alerts || (snap.alerts || []).filter((x) => x.status === "open")) this.alerts.set(a.alert_id, a);
    this.plan = body.plan || snap.plan || null;
    this.windows = new Map();
    for (const w of queue.windows || Object.values(snap.windows || {})) this.windows.set(w.window_id, w);
    this.tickets = new Map();
    for (const ticket of snap.tickets || []) this.tickets.set(ticket.ticket_id, ticket);
    for (const ticket of queue.waiting || []) if (!this.tickets.has(ticket.ticket_id)) this.tickets.set(ticket.ticket_id, ticket);
    this.cameras = new Map(Object.entries(snap.cameras || {}));
    this.footfall = new Map(Object.entries(snap.footfall || {}));
    this.seenIssued = new Set([...this.tickets.values()].map((x) => x.ticket_id));
    this.rating = {
      byWindow: new Map(Object.entries(snap.satisfaction_by_window || {})),
      byService: new Map(Object.entries(snap.satisfaction_by_service || {})),
      rated: new Set(snap.rated_tickets || []),
    };
  }

  apply(type, envelope) {
    const d = envelope.data || {};
    switch (type) {
      case TOPIC.tickets: {
        if (d.status === "issued" && !this.seenIssued.has(d.ticket_id)) {
          this.seenIssued.add(d.ticket_id);
          const slot = slotOf(d.at);
          if (slot !== null) this.actual.set(slot, (this.actual.get(slot) || 0) + 1);
          this.summary.tickets_today = (this.summary.tickets_today || 0) + 1;
        }
        this.tickets.delete(d.ticket_id);
        this.tickets.set(d.ticket_id, d);
        while (this.tickets.size > 50) this.tickets.delete(this.tickets.keys().next().value);
        break;
      }
      case TOPIC.forecast:
        this.services = d.per_service || [];
        if (d.arrivals && d.arrivals.length) this.arrivals = d.arrivals;
        break;
      case TOPIC.alerts:
        this.alerts.set(d.alert_id, { ...d, status: (this.alerts.get(d.alert_id) || {}).status || "open" });
        break;
      case TOPIC.plan:
        if (!this.plan || !this.plan.version || d.date > this.plan.date
            || (d.date === this.plan.date && d.version >= this.plan.version)) this.plan = d;
        break;
      case TOPIC.windows:
        this.windows.set(d.window_id, { ...(this.windows.get(d.window_id) || {}), ...d });
        break;
      case TOPIC.camera:
        this.cameras.set(d.camera_id, d);
        break;
      case TOPIC.footfall: {
        const old = this.footfall.get(d.camera_id) || { entered_today: 0, exited_today: 0 };
        this.footfall.set(d.camera_id, { entered_today: old.entered_today + (d.entered || 0),
          exited_today: old.exited_today + (d.exited || 0), occupancy: d.occupancy || {}, at: d.at });
        break;
      }
      case TOPIC.occupancy:
        return this.addHeat(d.camera_id, hourOfEvent(d));
      case TOPIC.feedback:
        return this.addRating(d);
      default:
        return false;
    }
    return true;
  }

  // The day report's grids: each camera's latest hour.
  loadHeat(report) {
    for (const camera of (report && report.occupancy) || []) {
      const last = camera.hours[camera.hours.length - 1];
      if (last) this.addHeat(camera.camera_id, { ...last, start: last.start });
    }
  }

  // A camera's hour: a later hour replaces the one shown; in the same hour the hour so far (in_progress)
  // replaces what is shown, and so does the hour's own event a shown hour so far; a part of the hour (a
  // worker that restarted) adds to the part shown.
  addHeat(camera, hour) {
    if (!camera || !hour.cols || !hour.rows || hour.person_s.length !== hour.cols * hour.rows) return false;
    const shown = this.heat.get(camera);
    const at = Date.parse(hour.start);
    const was = shown ? Date.parse(shown.start) : -Infinity;
    if (Number.isNaN(at) || at < was) return false;
    const replace = at > was || hour.in_progress || shown.in_progress;
    this.heat.set(camera, replace ? { ...hour } : mergeHour(shown, hour));
    return true;
  }

  // Today's ratings, once per ticket (the snapshot lists the tickets it counted already).
  addRating(d) {
    if (!d.ticket_id || this.rating.rated.has(d.ticket_id)) return false;
    this.rating.rated.add(d.ticket_id);
    const add = (map, key) => {
      const old = map.get(key) || { count: 0, average: 0 };
      const count = old.count + 1;
      map.set(key, { count, average: Math.round(((old.average * old.count + d.rating) / count) * 100) / 100 });
    };
    add(this.rating.byWindow, d.window_id || "-");
    add(this.rating.byService, d.service);
    const all = this.summary.satisfaction || { count: 0, average: 0 };
    const count = all.count + 1;
    this.summary.satisfaction = { count, average: Math.round(((all.average * all.count + d.rating) / count) * 100) / 100 };
    return true;
  }

  waiting() {
    return this.services.reduce((sum, s) => sum + (s.waiting || 0), 0);
  }

  zones() {
    const zones = new Map();
    for (const camera of this.footfall.values()) {
      for (const [zone, n] of Object.entries(camera.occupancy || {})) zones.set(zone, (zones.get(zone) || 0) + n);
    }
    return zones;
  }

  openAlerts(now = Date.now()) {
    return [...this.alerts.values()]
      .filter((a) => !a.expires_at || Date.parse(a.expires_at) > now || a.status !== "open")
      .sort((a, b) => (b.at || "").localeCompare(a.at || ""));
  }
}
