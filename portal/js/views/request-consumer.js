// The consumer loop on "my request" (issue 19): the desk's question with an answer box, or the price quote with
// accept (the PNBP billing is issued) / decline (the request is closed). Hooked into requests.js.
import { h } from "../dom.js";
import { post } from "../api.js";
import { dateTime, rupiah, terbilang } from "../fmt.js";
import { alertBox, busy, card, facts, field, showFormError, toast } from "../ui.js";

const QUOTE_STATUS = { sent: "Menunggu keputusan Anda", accepted: "Anda setujui", declined: "Anda tolak",
  expired: "Kedaluwarsa" };
const enc = encodeURIComponent;

/** The card of what the desk waits for (or the quote decided earlier); null when nothing applies. */
export function consumerPanel(r, reload) {
  const w = r.status === "awaiting_consumer" ? r.awaiting : null;
  if (w && w.kind === "question") return questionCard(r, w, reload);
  if (w && w.kind === "quote" && r.quote) return quoteCard(r, r.quote, w, reload);
  if (r.quote) {
    const status = r.quote.status === "sent" ? "Tidak berlaku lagi" : QUOTE_STATUS[r.quote.status];  // e.g. withdrawn
    return card("Penawaran harga", quoteTable(r.quote), facts([["Status", status]]));
  }
  return null;
}

function deadline(w) {
  return alertBox("warn", `Mohon tanggapi paling lambat ${dateTime(w.answer_by)}. Selama menunggu tanggapan Anda, `
    + "target penyelesaian tidak berjalan; tanpa tanggapan sampai batas itu permintaan dinyatakan kedaluwarsa.",
  "Petugas menunggu tanggapan Anda");
}

function questionCard(r, w, reload) {
  const text = h("textarea", { name: "body", maxlength: 5000, rows: 4, id: "answer-body" });
  const slot = h("div");
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "answer-submit" }, "Kirim jawaban");
  const form = h("form", { id: "answer-form" }, slot, field("Jawaban Anda", text, { required: true }),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = text.value.trim();
    if (!body) { text.setAttribute("aria-invalid", "true"); text.focus(); return; }
    await busy(submit, async () => {
      try {
        await post(`/requests/${enc(r.request_id)}/messages`, { body });
        toast("Jawaban terkirim. Permintaan dilanjutkan petugas.");
        reload();
      } catch (err) { showFormError(slot, form, err); }
    }, "Mengirim…");
  });
  return h("section", { class: "card", "aria-labelledby": "question-h", id: "consumer-question" },
    h("h2", { id: "question-h" }, "Pertanyaan dari petugas"), deadline(w),
    h("blockquote", { class: "prewrap", id: "question-text" }, w.text), form);
}

function quoteTable(q) {
  return h("table", { class: "table", id: "quote-lines" },
    h("caption", { class: "small" }, `Penawaran ${q.quote_id}, ${dateTime(q.at)}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Layanan"), h("th", { scope: "col" }, "Banyaknya"),
      h("th", { scope: "col", class: "num" }, "Harga satuan"), h("th", { scope: "col", class: "num" }, "Jumlah"))),
    h("tbody", {}, (q.lines || []).map((l) => h("tr", {}, h("td", {}, l.service), h("td", {}, `${l.quantity} ${l.unit}`),
      h("td", { class: "num" }, rupiah(l.unit_price_idr)), h("td", { class: "num" }, rupiah(l.amount_idr))))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: "3" }, "Total"),
      h("td", { class: "num", id: "quote-total" }, rupiah(q.total_idr)))));
}

function quoteCard(r, q, w, reload) {
  const slot = h("div", { id: "quote-error" });
  const accept = h("button", { type: "button", class: "btn btn-primary", id: "quote-accept" },
    "Setujui dan terbitkan tagihan");
  const decline = h("button", { type: "button", class: "btn btn-danger", id: "quote-decline" }, "Tolak penawaran");
  const reason = h("textarea", { name: "reason", maxlength: 2000, rows: 2, id: "quote-reason" });
  accept.addEventListener("click", () => busy(accept, async () => {
    try {
      await post(`/requests/${enc(r.request_id)}/quote/accept`);
      toast("Penawaran disetujui. Tagihan PNBP segera terbit.");
      reload();
    } catch (err) { showFormError(slot, null, err); }
  }, "Memproses…"));
  decline.addEventListener("click", () => {
    if (!window.confirm("Tolak penawaran ini? Permintaan akan ditutup.")) return;
    busy(decline, async () => {
      try {
        await post(`/requests/${enc(r.request_id)}/quote/decline`, { reason: reason.value.trim() });
        toast("Penawaran ditolak; permintaan ditutup.");
        reload();
      } catch (err) { showFormError(slot, null, err); }
    }, "Memproses…");
  });
  return h("section", { class: "card", "aria-labelledby": "quote-h", id: "consumer-quote" },
    h("h2", { id: "quote-h" }, "Penawaran harga"), deadline(w),
    h("p", {}, "Permintaan data khusus Anda dikenai tarif PNBP. Bila Anda setuju, kode billing diterbitkan dan "
      + "pekerjaan dilanjutkan setelah pembayaran diterima."),
    quoteTable(q),
    h("p", { class: "small" }, `Terbilang: ${terbilang(q.total_idr)}`),
    q.note ? facts([["Catatan petugas", q.note]]) : null,
    slot,
    field("Alasan menolak (opsional)", reason),
    h("div", { class: "actions" }, accept, decline));
}
