// The consumer loop on the request view (issue 19): "Tanyakan ke pemohon" (a question: the request waits on the
// consumer, the SLA clock pauses) and "Kirim penawaran harga" (a price quote from the PNBP tariff for a custom
// request), and what the desk waits for while the request is awaiting_consumer. Hooked into request.js.
import { h, replace } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { field, textarea, select, input, alertBox, dl } from "../ui.js";

const enc = encodeURIComponent;
const QUOTE_STATUS = { sent: "Menunggu keputusan pemohon", accepted: "Disetujui pemohon", declined: "Ditolak pemohon",
  expired: "Kedaluwarsa", void: "Tidak berlaku (permintaan ditutup)" };

export function quotable(rec) {
  return rec.kind === "data_order" && !!rec.custom_request && !rec.billing_code && !rec.paid_at
    && !["internal", "zero_rupiah"].includes(rec.transaction_type);
}

/** The panels of the consumer loop for the actions card: [] when nothing applies. */
export function consumerActions(rec, { canAct, act }) {
  const parts = [];
  if (rec.status === "awaiting_consumer" && rec.awaiting) parts.push(waitingPanel(rec));
  if (rec.status === "in_progress" && canAct) {
    parts.push(questionForm(rec, act));
    if (quotable(rec)) parts.push(quoteForm(rec, act));
  }
  if (rec.quote && rec.status !== "awaiting_consumer") {
    parts.push(quoteSummary(rec.quote.status === "sent" ? { ...rec.quote, status: "void" } : rec.quote));
  }
  return parts;
}

function waitingPanel(rec) {
  const w = rec.awaiting;
  const what = w.kind === "quote" ? "keputusan pemohon atas penawaran harga" : "jawaban pemohon";
  return h("div", { class: "action-form", id: "consumer-wait" },
    alertBox("info", `Menunggu ${what} sampai ${fmt.dateTime(w.answer_by)}. Tenggat penyelesaian tidak berjalan `
      + "selama menunggu; tanpa tanggapan sampai batas itu permintaan kedaluwarsa.", "Menunggu pemohon"),
    w.kind === "question" ? h("blockquote", { class: "quote-text" }, w.text) : null,
    w.kind === "quote" && rec.quote ? quoteSummary(rec.quote) : null);
}

function questionForm(rec, act) {
  const text = textarea({ name: "question", rows: 3, maxlength: 5000, required: true });
  const b = h("button", { type: "submit", class: "btn btn-secondary", id: "action-ask" }, "Tanyakan ke pemohon");
  const form = h("form", { class: "action-form", id: "question-form" },
    field("Pertanyaan kepada pemohon", text,
      { hint: "Dikirim ke pemohon; tenggat berhenti sampai pemohon menjawab di percakapan." }),
    b);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!text.value.trim()) {
      text.setAttribute("aria-invalid", "true");
      text.focus();
      return;
    }
    act(b, () => post(`/ops/requests/${enc(rec.request_id)}/question`, { question: text.value.trim() }),
      "Pertanyaan dikirim ke pemohon.");
  });
  return form;
}

function quoteForm(rec, act) {
  const rowsEl = h("div", { class: "quote-lines", id: "quote-lines" });
  const totalEl = h("p", { class: "quote-total", id: "quote-total", "aria-live": "polite" }, "");
  const note = textarea({ name: "note", rows: 2, maxlength: 2000 });
  const b = h("button", { type: "submit", class: "btn btn-primary", id: "action-quote" }, "Kirim penawaran harga");
  const add = h("button", { type: "button", class: "btn btn-secondary btn-small", id: "quote-add-line" },
    "Tambah baris");
  const slot = h("div", { id: "quote-tariff" }, h("p", { class: "muted" }, "Memuat tarif…"));
  const form = h("form", { class: "action-form", id: "quote-form" },
    h("h3", { class: "subhead" }, "Penawaran harga (tarif PNBP)"), slot, rowsEl, add, totalEl,
    field("Catatan untuk pemohon (opsional)", note, { hint: "Misalnya rincian pekerjaan yang ditawarkan." }), b);
  let tariff = null;
  const rows = [];

  function total() {
    const by = Object.fromEntries((tariff?.items || []).map((i) => [i.code, i.unit_price_idr]));
    return rows.reduce((s, r) => s + (by[r.code.value] || 0) * (parseInt(r.qty.value, 10) || 0), 0);
  }
  function refresh() {
    totalEl.textContent = `Jumlah: ${fmt.rupiah(total())}`;
  }
  function addRow() {
    const n = rows.length + 1;
    const code = select(tariff.items.map((i) => [i.code, `${i.service} — ${fmt.rupiah(i.unit_price_idr)}/${i.unit}`]),
      { name: `code-${n}`, id: `quote-code-${n}` });
    const qty = input({ type: "number", min: 1, max: 10000, value: "1", name: `qty-${n}`, id: `quote-qty-${n}`,
      inputmode: "numeric" });
    code.addEventListener("change", refresh);
    qty.addEventListener("input", refresh);
    rows.push({ code, qty });
    rowsEl.append(h("div", { class: "quote-line" }, field(`Layanan ${n}`, code), field(`Jumlah satuan ${n}`, qty)));
    refresh();
  }
  add.disabled = true;
  b.disabled = true;
  get("/ops/tariff").then((t) => {
    tariff = t;
    replace(slot, h("p", { class: "hint" }, `Tarif ${t.version}${t.basis ? ` — ${t.basis}` : ""}`));
    add.disabled = false;
    b.disabled = false;
    addRow();
  }).catch(() => replace(slot, alertBox("error", "Tarif tidak dapat dimuat. Muat ulang halaman.")));
  add.addEventListener("click", () => { if (tariff && rows.length < 20) addRow(); });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const lines = rows.map((r) => ({ code: r.code.value, quantity: parseInt(r.qty.value, 10) || 0 }))
      .filter((l) => l.quantity > 0);
    act(b, () => post(`/ops/requests/${enc(rec.request_id)}/quote`, { lines, note: note.value.trim() }),
      `Penawaran ${fmt.rupiah(total())} dikirim ke pemohon.`);
  });
  return form;
}

export function quoteSummary(q) {
  const table = h("table", { class: "table quote-table", id: "quote-summary" },
    h("caption", {}, `Penawaran ${q.quote_id} — ${QUOTE_STATUS[q.status] || q.status}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Layanan"), h("th", { scope: "col" }, "Jumlah"),
      h("th", { scope: "col", class: "num" }, "Harga satuan"), h("th", { scope: "col", class: "num" }, "Subtotal"))),
    h("tbody", {}, q.lines.map((l) => h("tr", {}, h("td", {}, l.service), h("td", {}, `${l.quantity} ${l.unit}`),
      h("td", { class: "num" }, fmt.rupiah(l.unit_price_idr)), h("td", { class: "num" }, fmt.rupiah(l.amount_idr))))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: "3" }, "Jumlah"),
      h("td", { class: "num" }, fmt.rupiah(q.total_idr)))));
  const pairs = [["Dikirim", fmt.dateTime(q.at)]];
  if (q.note) pairs.push(["Catatan", q.note]);
  if (q.decided_at) pairs.push(["Diputuskan", fmt.dateTime(q.decided_at)]);
  if (q.reason) pairs.push(["Alasan pemohon", q.reason]);
  return h("div", { class: "quote-box" }, table, dl(pairs));
}
