// Supervisor: operators' quota (max requests in process), active flag and services (which kinds they take).
import { h, replace, clear } from "../dom.js";
import { get, patch } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, busy, toast, showFormError, card, emptyState } from "../ui.js";

export async function render(view, _params, ctx) {
  view.append(pageHeader("Operator & kuota", "Kuota adalah jumlah maksimum permintaan dalam proses per operator. "
    + "Layanan kosong berarti operator menerima semua jenis permintaan."));
  const body = h("div", { id: "operators" }, loading());
  view.append(card("Operator layanan", body));

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
      h("caption", { class: "visually-hidden" }, "Operator, beban, kuota, dan layanan"),
      h("thead", {}, h("tr", {}, ["Operator", "Beban", "Kuota", "Aktif", "Layanan", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ops.map(row)))));
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
      h("td", { "data-label": "Layanan" }, services),
      h("td", {}, save, slot));
  }

  await load();
}
