// Gabungkan duplikat: a supervisor closes this request as a duplicate of another of the same consumer.
import { h, link } from "../dom.js";
import { post } from "../api.js";
import { field, input, busy, toast, showFormError, alertBox } from "../ui.js";

const enc = encodeURIComponent;
const MERGEABLE = ["submitted", "awaiting_approval", "awaiting_payment", "queued", "assigned", "awaiting_consumer"];

/** The merge panel of the request view (supervisors). `done(primary)` after a merge. */
export function mergePanel(rec, done) {
  if (rec.merged_into) {
    return alertBox("info", h("span", {}, "Permintaan ini digabungkan ke ", link(["permintaan", rec.merged_into],
      rec.merged_into), "."), "Duplikat");
  }
  const parts = [];
  if ((rec.merged || []).length) {
    parts.push(h("p", { class: "small", id: "merged-list" }, "Duplikat yang digabungkan ke sini: ",
      rec.merged.map((id, i) => [i ? ", " : "", link(["permintaan", id], id)])));
  }
  if (!MERGEABLE.includes(rec.status) || rec.paid_at) {
    return parts.length ? h("div", {}, parts) : null;
  }
  const into = input({ name: "into", id: "merge-into", maxlength: 64, placeholder: "mis. R261202-ABC123",
    autocomplete: "off" });
  const note = input({ name: "note", id: "merge-note", maxlength: 2000 });
  const slot = h("div", { class: "form-error" });
  const go = h("button", { type: "submit", class: "btn btn-secondary", id: "merge-submit" }, "Gabungkan");
  const form = h("form", { class: "action-form", id: "merge-form" }, slot,
    h("p", { class: "hint" }, "Tutup permintaan ini sebagai duplikat dari permintaan lain milik pemohon yang sama. "
      + "Riwayat keduanya mencatat penggabungan; pemohon melihat satu permintaan."),
    h("div", { class: "form-row" }, field("Nomor permintaan utama", into, { required: true }),
      field("Catatan (opsional)", note), h("div", { class: "field field-button" }, go)));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const target = into.value.trim();
    if (!target) { into.focus(); return; }
    if (!window.confirm(`Tutup ${rec.request_id} sebagai duplikat dari ${target}?`)) return;
    try {
      const primary = await busy(go, () => post(`/ops/requests/${enc(rec.request_id)}/merge`,
        { into: target, note: note.value.trim() }), "Menggabungkan…");
      toast(`${rec.request_id} digabungkan ke ${primary.request_id}.`);
      done(primary);
    } catch (err) {
      showFormError(slot, form, err);
    }
  });
  parts.push(h("details", { class: "disclosure", id: "merge-actions" },
    h("summary", {}, "Supervisor: gabungkan sebagai duplikat"), form));
  return h("div", {}, parts);
}
