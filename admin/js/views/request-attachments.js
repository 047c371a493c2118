// On the staff request view (issue 19): the consumer's attachments (verified documents with short-lived links),
// the microdata application (project, abstract, agreement version accepted, a return for revision), the
// "return for revision" action of the review, and how a consumer logged without e-mail is reached.
import { h, replace } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { card, dl, alertBox, errorBox, emptyState, pill } from "../ui.js";

const PURPOSE = {
  supporting: "Dokumen pendukung",
  zero_rupiah_justification: "Surat dasar pembebasan biaya",
  message: "Lampiran percakapan",
};

export function attachmentsCard(rec) {
  const box = h("div", { id: "attachments-staff", "aria-live": "polite" }, h("p", { class: "muted small" }, "Memuat lampiran…"));
  get(`/ops/requests/${encodeURIComponent(rec.request_id)}/attachments`).then((items) => {
    if (!items.length) { replace(box, emptyState("Pemohon belum melampirkan dokumen.")); return; }
    replace(box, h("ul", { class: "plain-list", id: "attachment-list" }, items.map((a) => h("li", { "data-id": a.attachment_id },
      a.download_url ? h("a", { href: a.download_url, rel: "noopener", download: a.filename }, a.filename) : h("span", {}, a.filename),
      " ", a.status === "ready" ? pill("Terverifikasi", "ok") : a.status === "rejected" ? pill("Ditolak", "bad") : pill("Menunggu unggahan", "warn"),
      h("div", { class: "small muted" }, `${PURPOSE[a.purpose] || a.purpose} · ${fmt.bytes(a.size_bytes)}`
        + ` · ${fmt.dateTime(a.created_at)}`)))));
  }).catch((err) => replace(box, errorBox(err)));
  return card("Lampiran pemohon", box);
}

export function microdataCard(rec) {
  if (!rec.abstract && !rec.project) return null;
  const p = rec.project || {};
  const review = rec.review;
  return card("Permohonan mikrodata",
    review && !review.resubmitted_at
      ? alertBox("info", review.comment, `Dikembalikan untuk diperbaiki oleh ${review.by} · ${fmt.dateTime(review.at)}`) : null,
    review && review.resubmitted_at
      ? h("p", { class: "small", id: "resubmitted" }, `Diajukan kembali ${fmt.dateTime(review.resubmitted_at)} (revisi ke-${review.revision}).`) : null,
    dl([
      ["Judul proyek", p.title || null],
      ["Instansi", p.institution || null],
      ["Tujuan", p.purpose || null],
      ["Keluaran", p.outputs || null],
      ["Abstraksi", rec.abstract ? h("span", { class: "prewrap" }, rec.abstract) : null],
      ["Perjanjian", rec.agreement_version ? `Versi ${rec.agreement_version} · disetujui ${fmt.dateTime(rec.agreement_accepted_at)}` : null],
    ]));
}

/** The third review decision: back to the consumer with the comments written in `reason`. */
export function returnButton(rec, reason, act, slot) {
  if (!rec.abstract) return null;
  const b = h("button", { type: "button", class: "btn btn-secondary", id: "action-return" }, "Kembalikan untuk diperbaiki");
  b.addEventListener("click", () => {
    if (!reason.value.trim()) {
      replace(slot, alertBox("error", "Tuliskan catatan perbaikan untuk pemohon terlebih dahulu.", "Gagal: catatan wajib diisi"));
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    act(b, () => post(`/ops/requests/${encodeURIComponent(rec.request_id)}/approval`,
      { decision: "return", reason: reason.value.trim() }), "Permohonan dikembalikan ke pemohon untuk diperbaiki.");
  });
  return b;
}

/** A consumer logged at the desk without e-mail: notices come to the desk to hand over. */
export function handoverNote(rec) {
  const c = rec.consumer || {};
  if (!c.handover_desk) return null;
  return alertBox("info", `Pemohon tanpa email${c.nik ? ` (NIK ${c.nik})` : ""}${c.phone ? `, telepon ${c.phone}` : ""}: `
    + `pemberitahuan untuknya dikirim ke ${c.handover_desk} untuk disampaikan. Sebutkan nomor ${rec.request_id} saat menghubunginya.`,
  "Disampaikan melalui loket");
}
