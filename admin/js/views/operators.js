// Supervisor: operators' quota (max requests in process), active flag and services (which kinds they take), and
// absences: an operator marked absent takes no requests; their open ones go to operators on duty (delegation
// policy) or, when nobody has room, are flagged here for the supervisor to assign (issue 20).
import { h, replace, clear, link } from "../dom.js";
import { get, patch } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, busy, toast, showFormError, card, emptyState, alertBox, statusBadge } from "../ui.js";

export async function render(view, _params, ctx) {
  view.append(pageHeader("Operator & kuota", "Kuota adalah jumlah maksimum permintaan dalam proses per operator. "
    + "Layanan kosong berarti operator menerima semua jenis permintaan."));
  const body = h("div", { id: "operators" }, loading());
  const away = h("div", { id: "operators-away" });
  view.append(card("Operator layanan", body), away);

  async function load() {
    let ops;
    try {
      ops = await get("/ops/operators");
    } catch (err) {
      replace(body, errorBox(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    if (!ops.length) { replace(body, emptyState("Belum ada operator terdaftar.")); return; }
    replace(body, h("div", { class: "table-wrap" }, h("table", { class: "table operators-table" },
      h("caption", { class: "visually-hidden" }, "Operator, beban, kuota, kehadiran, dan layanan"),
      h("thead", {}, h("tr", {}, ["Operator", "Beban", "Kuota", "Aktif", "Kehadiran", "Layanan", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ops.map(row)))));
    await holding(ops.filter((o) => (o.absent || !o.active) && o.load > 0));
  }

  // requests still held by operators who are away: being moved, or flagged (nobody on duty had room)
  async function holding(list) {
    if (!list.length) { clear(away); return; }
    const parts = [];
    for (const o of list) {
      let page;
      try {
        page = await get("/ops/requests", { assignee: o.operator_id });
      } catch (err) {
        parts.push(errorBox(err));
        continue;
      }
      const open = (page.items || []).filter((r) => r.assignee === o.operator_id && fmt.OPEN_STATUSES.has(r.status));
      if (!open.length) continue;
      parts.push(h("h3", { class: "card-subtitle" }, `${o.name || o.operator_id} (${o.absent ? "tidak hadir" : "nonaktif"})`),
        h("ul", { class: "plain-list", dataset: { holder: o.operator_id } }, open.map((r) => h("li", {},
          link(["permintaan", r.request_id], r.request_id), " ", statusBadge(r.status), " ",
          r.attention === "assignee_unavailable"
            ? h("span", { class: "badge badge-danger" }, "Tidak ada operator dengan kapasitas — tetapkan petugas")
            : h("span", { class: "badge badge-neutral" }, "sedang dialihkan otomatis")))));
    }
    if (!ctx.isCurrent()) return;
    replace(away, parts.length ? card("Permintaan operator yang tidak hadir",
      alertBox("info", "Permintaan ini dialihkan otomatis ke operator piket yang masih memiliki kapasitas. Yang "
        + "ditandai merah belum mendapat petugas: buka permintaannya dan tetapkan petugas, atau tambah kuota/jadwal piket."),
      ...parts) : null);
  }

  function row(o) {
    const quota = h("input", { type: "number", min: "0", max: "100", step: "1", value: o.quota, name: "quota",
      id: `quota-${o.operator_id}`, class: "input-narrow" });
    const active = h("input", { type: "checkbox", name: "active", id: `active-${o.operator_id}`, checked: o.active });
    const services = h("fieldset", { class: "services" },
      h("legend", { class: "visually-hidden" }, `Layanan ${o.name || o.operator_id}`),
      Object.entries(fmt.SERVICES).map(([v, t]) => {
        const id = `svc-${o.operator_id}-${v.replace(/[^a-z_]/gi, "-")}`;
        return h("label", { class: "check small", for: id },
          h("input", { type: "checkbox", id, value: v, checked: (o.services || []).includes(v) }), h("span", {}, t));
      }));
    const save = h("button", { type: "button", class: "btn btn-secondary btn-small", id: `save-${o.operator_id}` }, "Simpan");
    const absence = h("button", { type: "button", class: o.absent ? "btn btn-secondary btn-small" : "btn btn-ghost btn-small",
      id: `absent-${o.operator_id}`, "aria-pressed": o.absent ? "true" : "false" },
    o.absent ? "Tandai hadir kembali" : "Tandai tidak hadir");
    absence.addEventListener("click", async () => {
      clear(slot);
      const name = o.name || o.operator_id;
      if (!o.absent && !window.confirm(`Tandai ${name} tidak hadir? Permintaan terbukanya akan dialihkan ke operator piket lain.`)) return;
      try {
        await busy(absence, () => patch(`/ops/operators/${encodeURIComponent(o.operator_id)}`, { absent: !o.absent }), "Menyimpan…");
        toast(o.absent ? `${name} ditandai hadir kembali.` : `${name} ditandai tidak hadir; permintaan terbukanya dialihkan.`);
        await load();
        if (!o.absent) window.setTimeout(() => { if (ctx.isCurrent()) load(); }, 3000); // the move runs in the background
      } catch (err) {
        showFormError(slot, null, err);
      }
    });
    const slot = h("div", { class: "form-error" });
    const pct = o.quota ? Math.min(100, Math.round((100 * o.load) / o.quota)) : 0;
    const meter = h("meter", { min: "0", max: String(Math.max(1, o.quota)), value: String(o.load), low: String(Math.max(1, o.quota) * 0.6),
      high: String(Math.max(1, o.quota) * 0.9), optimum: "0", "aria-label": `Beban ${o.load} dari ${o.quota}` });
    save.addEventListener("click", async () => {
      clear(slot);
      const q = Number(quota.value);
      if (!Number.isInteger(q) || q < 0 || q > 100) {
        quota.setAttribute("aria-invalid", "true");
        replace(slot, h("div", { class: "alert alert-error", role: "alert" }, "Gagal: kuota harus bilangan bulat 0–100."));
        return;
      }
      quota.removeAttribute("aria-invalid");
      const chosen = [...services.querySelectorAll("input:checked")].map((c) => c.value);
      try {
        await busy(save, () => patch(`/ops/operators/${encodeURIComponent(o.operator_id)}`,
          { quota: q, active: active.checked, services: chosen }), "Menyimpan…");
        toast(`Pengaturan ${o.name || o.operator_id} tersimpan.`);
        await load();
      } catch (err) {
        showFormError(slot, null, err);
      }
    });
    return h("tr", { dataset: { operator: o.operator_id } },
      h("th", { scope: "row", "data-label": "Operator" }, h("div", {}, o.name || o.operator_id),
        h("div", { class: "small muted" }, o.operator_id, o.email ? ` · ${o.email}` : ""),
        o.on_duty ? h("span", { class: "badge badge-ok" }, "piket sekarang") : h("span", { class: "badge badge-neutral" }, "tidak piket")),
      h("td", { "data-label": "Beban" }, h("div", {}, `${o.load} / ${o.quota}`), meter, h("span", { class: "visually-hidden" }, `${pct}%`)),
      h("td", { "data-label": "Kuota" }, h("label", { for: quota.id, class: "visually-hidden" }, `Kuota ${o.name || o.operator_id}`), quota),
      h("td", { "data-label": "Aktif" }, h("label", { class: "check", for: active.id }, active, h("span", {}, o.active ? "aktif" : "nonaktif"))),
      h("td", { "data-label": "Kehadiran" }, o.absent
        ? h("div", {}, h("span", { class: "badge badge-danger", id: `absent-badge-${o.operator_id}` }, "tidak hadir"),
          o.absent_since ? h("div", { class: "small muted" }, `sejak ${fmt.dateTime(o.absent_since)}`) : null)
        : h("span", { class: "badge badge-ok" }, "hadir"), h("div", {}, absence)),
      h("td", { "data-label": "Layanan" }, services),
      h("td", {}, save, slot));
  }

  await load();
}
