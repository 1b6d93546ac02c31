// Dashboard, result lockers (issue 6): banks of compartments, lock-board health
// from the kiosks' health reports, and the open locker alerts, which join the
// page's main alert box with an "acknowledge" button.
"use strict";

const LOCKER_ERRORS = new Set(["door_failed", "door_state_unknown", "unexpected_open", "stuck_open",
  "item_unexpected", "item_missing", "pickup_locked"]);
const BOARD_COMPONENT = /^(board|locker|lock)/;

// "printer" → "Máy in"; numbered lock boards keep their number: "board1" → "Bo mạch khóa 1".
function compLabel(name) {
  const m = name.match(/^(board|locker)[_-]?(\d+)$/);
  if (m) return `${t("comp_" + m[1])} ${m[2]}`;
  const key = "comp_" + name;
  return t(key) === key ? name : t(key);
}

// "08:03" today, "21/11 17:40" for an alert left from an earlier day.
function when(iso) {
  if (!iso) return "";
  const day = iso.slice(0, 10);
  return (day === PAGE.day ? "" : `${day.slice(8, 10)}/${day.slice(5, 7)} `) + iso.slice(11, 16);
}

const Lockers = {
  available: true,

  // Banks and open alerts; null when this server has no locker feature.
  async load() {
    if (!this.available) return null;
    try {
      const [banks, alerts] = await Promise.all([
        api("/api/v1/lockers"), api("/api/v1/lockers/alerts?state=open")]);
      return { banks, alerts };
    } catch (e) {
      if (e.status === 404) { this.available = false; return null; }
      throw e;
    }
  },

  bankName(banks, kiosk) {
    const b = banks.find((x) => x.kiosk === kiosk);
    return b ? ((PAGE.lang === "en" ? b.name_en : b.name) || b.name) : kiosk;
  },

  // Items for the main alert box (rendered before the queue alerts: a door needs someone now).
  alertItems(data, onAck) {
    if (!data) return [];
    return data.alerts.map((a) => {
      const level = LOCKER_ERRORS.has(a.kind) ? "error" : "warning";
      const where = this.bankName(data.banks, a.kiosk);
      const btn = el("button", { class: "btn small ack", type: "button", "data-alert-id": String(a.id),
        text: t("acknowledge"), onclick: () => onAck(a, btn) });
      return el("li", { class: `alert ${level} locker-alert`, "data-code": "locker." + a.kind, "data-alert-id": String(a.id) },
        el("span", { class: "a-time", text: when(a.at) }),
        el("span", { class: "a-text", text: `${where} · ${PAGE.lang === "en" ? a.message_en : a.message}` }), btn);
    });
  },

  stateOf(c) {
    if (c.disabled) return "disabled";
    if (c.door_open) return "open";
    if (c.parcel && c.parcel.state === "reserved") return "reserved";
    if (c.parcel || c.item) return "occupied";
    return "free";
  },

  renderBanks(box, data) {
    if (!data) { box.closest("section").hidden = true; return; }
    if (!data.banks.length) { box.replaceChildren(el("p", { class: "muted", text: t("no_lockers") })); return; }
    const alerted = new Set(data.alerts.map((a) => `${a.kiosk}/${a.compartment}`));
    box.replaceChildren(...data.banks.map((b) => {
      const counts = { free: 0, reserved: 0, occupied: 0, open: 0, disabled: 0 };
      const tiles = b.compartments.map((c) => {
        const st = this.stateOf(c);
        counts[st] += 1;
        const tip = [`${t("compartment")} ${c.compartment} (${c.size})`, t("locker_" + st)];
        if (c.parcel) tip.push(`${c.parcel.dossier} · ${c.parcel.state}`);
        if (c.disabled_reason) tip.push(c.disabled_reason);
        return el("li", { class: `cmp ${st}${alerted.has(`${b.kiosk}/${c.compartment}`) ? " alerted" : ""}`,
          "data-compartment": String(c.compartment), "data-state": st, title: tip.join("\n") },
          el("b", { text: String(c.compartment) }), el("small", { text: c.size }));
      });
      const legend = ["free", "reserved", "occupied", "open", "disabled"].map((k) =>
        el("span", { class: "lg " + k, "data-count": k, text: `${t("locker_" + k)}: ${counts[k]}` }));
      return el("div", { class: "bank", "data-kiosk": b.kiosk },
        el("h3", {}, el("span", { text: this.bankName(data.banks, b.kiosk) }), el("span", { class: "muted kiosk-id", text: b.kiosk })),
        el("div", { class: "legend" }, ...legend),
        el("ul", { class: "cmps" }, ...tiles));
    }));
  },

  // Lock boards as the kiosks report them (component names board*, locker*, lock*).
  renderBoards(box, devices) {
    const rows = [];
    for (const dv of devices) {
      for (const [name, comp] of Object.entries(dv.components)) {
        if (!BOARD_COMPONENT.test(name)) continue;
        const status = dv.stale ? "offline" : comp.status;
        rows.push(el("li", { class: "board", "data-device": dv.device, "data-status": status },
          el("span", { class: "pill " + (dv.stale ? "error" : comp.status), text: t("status_" + status) }),
          el("b", { text: dv.device }), el("span", { text: compLabel(name) }),
          el("span", { class: "muted", text: comp.detail || "" }),
          el("span", { class: "muted seen", text: (dv.reported_at || "").slice(11, 19) })));
      }
    }
    box.replaceChildren(...(rows.length ? rows : [el("li", { class: "muted", text: t("no_board_reports") })]));
  },
};
