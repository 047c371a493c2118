// Supervisor: payment work items (issue 16, SPEC §8 "Money") — a payment after the request closed (resume
// fulfilment, or record the refund: who, when, reference), a wrong amount, an unknown billing, an invalid receipt,
// a paid request nobody could advance, an order the provider kept refusing (retry / resolve with a note), a request
// whose workflow stopped (restart it from the start / resolve) — and the
// daily reconciliation of the provider's payments against the PNBP ledger.
import { h, replace, clear, link } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, busy, toast, showFormError, card, emptyState, field, pill, dl } from "../ui.js";

const KIND = {
  paid_after_close: "Dibayar setelah ditutup",
  amount_mismatch: "Jumlah bayar tidak sesuai",
  unknown_billing: "Kode billing tidak dikenal",
  invalid_receipt: "Bukti bayar (NTPN/NTB) tidak sah",
  stuck_paid: "Sudah dibayar, tidak berlanjut",
  billing_unavailable: "Billing gagal dibuat (penyedia tidak tersedia)",
  workflow_problem: "Alur kerja berhenti, permintaan masih menunggu",
};
const ACTION = { resume: "Dilanjutkan", refund: "Dikembalikan (refund)", resolve: "Diselesaikan", billed: "Billing terbit",
  restart: "Alur kerja dijalankan ulang" };
const STATUS_TEXT = { cancelled: "dibatalkan", expired: "kedaluwarsa" };

function evidence(w) {
  const e = w.evidence || {};
  return dl([
    ["Kode billing", w.billing_code || "—"],
    ["Jumlah", fmt.rupiah(w.amount_idr)],
    ["NTPN", e.ntpn || undefined],
    ["NTB", e.ntb || undefined],
    ["Dibayar", e.paid_at ? fmt.dateTime(e.paid_at) : undefined],
    ["Tagihan", e.billed_idr !== undefined ? fmt.rupiah(e.billed_idr) : undefined],
    ["Status permintaan saat dibayar", e.request_status ? (STATUS_TEXT[e.request_status] || e.request_status) : undefined],
    ["Percobaan", e.attempts !== undefined ? String(e.attempts) : undefined],
    ["Alasan", e.reason || e.error || e.last_error || undefined],
    ["Masalah", e.problem ? fmt.problemText(e.problem, "desk") : undefined],
    ["Status permintaan", e.status ? fmt.label(fmt.STATUS, e.status) : undefined],
    ["Sumber", e.source ? (e.source === "provider" ? "notifikasi penyedia" : "rekonsiliasi") : undefined],
  ]);
}

function resolution(w) {
  const r = w.resolution || {};
  return dl([
    ["Tindakan", ACTION[r.action] || r.action],
    ["Oleh", r.by],
    ["Pada", r.at ? fmt.dateTime(r.at) : undefined],
    ["Tanggal refund", r.refunded_at ? fmt.dateTime(r.refunded_at) : undefined],
    ["Referensi", r.reference || undefined],
    ["Permintaan lanjutan", r.follow_up ? link(["permintaan", r.follow_up], r.follow_up) : undefined],
    ["Eksekusi baru", r.execution || undefined],
    ["Catatan", r.note || undefined],
  ]);
}

function actionForm(w, kind, onDone) {
  const id = `${kind}-${w.item_id}`.replace(/[^A-Za-z0-9_-]/g, "-");
  const slot = h("div", { class: "form-error" });
  const note = h("textarea", { rows: 2, name: "note", id: `${id}-note`, maxlength: "500" });
  const parts = [];
  let reference = null;
  let when = null;
  if (kind === "refund") {
    reference = h("input", { type: "text", name: "reference", id: `${id}-ref`, maxlength: "128", required: true,
      autocomplete: "off" });
    when = h("input", { type: "date", name: "refunded_at", id: `${id}-date`, max: fmt.localDay(), value: fmt.localDay() });
    parts.push(field("Nomor referensi refund (mis. SPM/SP2D)", reference, { required: true }),
      field("Tanggal refund", when));
  }
  parts.push(field(kind === "resolve" ? "Cara penyelesaian" : "Catatan", note, { required: kind === "resolve" }));
  const text = { resume: "Lanjutkan layanan", refund: "Catat refund", resolve: "Tandai selesai", retry: "Coba buat billing lagi",
    restart: "Jalankan ulang alur kerja" }[kind];
  const submit = h("button", { type: "submit", class: kind === "refund" ? "btn btn-secondary" : "btn btn-primary",
    id: `${id}-submit` }, text);
  const form = h("form", { class: "work-action", dataset: { action: kind }, "aria-label": `${text}: ${w.item_id}`,
    novalidate: true },
    ...parts, h("div", { class: "field field-button" }, submit), slot);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear(slot);
    let path = `/ops/payments/work-items/${encodeURIComponent(w.item_id)}/${kind}`;
    let body = { note: note.value.trim() };
    if (kind === "refund") {
      if (!reference.value.trim()) {
        reference.setAttribute("aria-invalid", "true");
        replace(slot, h("div", { class: "alert alert-error", role: "alert" }, "Gagal: isi nomor referensi refund."));
        reference.focus();
        return;
      }
      reference.removeAttribute("aria-invalid");
      body = { ...body, reference: reference.value.trim() };
      if (when.value) body.refunded_at = fmt.wibIso(when.value, "12:00");
    }
    if (kind === "resolve" && !body.note) {
      note.setAttribute("aria-invalid", "true");
      replace(slot, h("div", { class: "alert alert-error", role: "alert" }, "Gagal: jelaskan cara penyelesaiannya."));
      note.focus();
      return;
    }
    if (kind === "retry") {
      path = `/ops/requests/${encodeURIComponent(w.request_id)}/billing/retry`;
      body = {};
    }
    try {
      await busy(submit, () => post(path, body), "Menyimpan…");
      toast({ resume: "Layanan dilanjutkan sebagai permintaan baru.", refund: "Refund tercatat.",
        resolve: "Butir kerja diselesaikan.", retry: "Billing dicoba lagi.",
        restart: "Alur kerja dijalankan ulang dari awal; permintaan berlanjut dari posisinya." }[kind]);
      await onDone();
    } catch (err) {
      showFormError(slot, form, err);
    }
  });
  return form;
}

function itemCard(w, onDone) {
  const open = w.status === "open";
  const head = h("div", { class: "work-head" },
    h("h3", { class: "work-title" }, KIND[w.kind] || w.kind),
    pill(open ? "terbuka" : "selesai", open ? "warn" : "ok"),
    h("span", { class: "small muted" }, `dicatat ${fmt.dateTime(w.created_at)}`),
    w.request_id ? h("span", { class: "small" }, "Permintaan ", link(["permintaan", w.request_id], w.request_id)) : null);
  const actions = open ? (w.actions || []).map((a) => actionForm(w, a, onDone)) : [];
  return h("article", { class: "work-item card-inner", dataset: { item: w.item_id, kind: w.kind } },
    head, evidence(w), open ? null : resolution(w),
    actions.length ? h("div", { class: "work-actions" }, actions) : null);
}

export async function render(view, _params, ctx) {
  view.append(pageHeader("Pembayaran", "Pembayaran yang perlu ditindaklanjuti supervisor, dan rekonsiliasi harian "
    + "pembayaran di SIMPONI terhadap buku besar PNBP."));
  const tabs = h("div", { class: "chip-row", role: "group", "aria-label": "Status butir kerja" });
  const list = h("div", { id: "work-items", "aria-live": "polite" }, loading());
  view.append(card("Butir kerja pembayaran", tabs, list));
  let status = "open";
  const tabButtons = [["open", "Terbuka"], ["done", "Selesai"]].map(([v, t]) => {
    const b = h("button", { type: "button", class: "chip", "aria-pressed": String(v === status), id: `tab-${v}` }, t);
    b.addEventListener("click", () => {
      status = v;
      tabButtons.forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      load();
    });
    return b;
  });
  tabs.append(...tabButtons);

  async function load() {
    replace(list, loading());
    let res;
    try {
      res = await get("/ops/payments/work-items", { status, limit: 100 });
    } catch (err) {
      replace(list, errorBox(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    if (!res.items.length) {
      replace(list, emptyState(status === "open" ? "Tidak ada pembayaran yang perlu ditindaklanjuti."
        : "Belum ada butir kerja yang diselesaikan."));
      return;
    }
    replace(list, h("div", { class: "work-list" }, res.items.map((w) => itemCard(w, load))));
  }

  // the reconciliation report of a day
  const day = h("input", { type: "date", name: "day", id: "recon-day", value: fmt.localDay(), max: fmt.localDay() });
  const show = h("button", { type: "submit", class: "btn btn-secondary", id: "recon-show" }, "Periksa");
  const out = h("div", { id: "reconciliation", "aria-live": "polite" });
  const form = h("form", { class: "filters", "aria-label": "Tanggal rekonsiliasi" },
    field("Tanggal", day), h("div", { class: "field field-button" }, show));
  view.append(card("Rekonsiliasi harian", form, out));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let rep;
    try {
      rep = await busy(show, () => get("/ops/reports/reconciliation", { day: day.value }), "Memeriksa…");
    } catch (err) {
      replace(out, errorBox(err));
      return;
    }
    const rows = [
      ["Tidak ada di buku besar", rep.missing_in_ledger, (m) => `${m.billing_code} · ${fmt.rupiah(m.amount_idr)} · NTPN ${m.ntpn || "—"}`],
      ["Tercatat ganda", rep.duplicated_in_ledger, (m) => `${m.billing_code} · ${m.rows} baris`],
      ["Jumlah/NTPN berbeda", rep.different, (m) => `${m.billing_code} · penyedia ${fmt.rupiah(m.provider.amount_idr)} `
        + `(${m.provider.ntpn || "—"}) · buku besar ${fmt.rupiah(m.ledger.amount_idr)} (${m.ledger.ntpn || "—"})`],
      ["Tidak dikenal penyedia", rep.not_at_provider, (m) => `${m.billing_code} · ${m.request_id} · ${fmt.rupiah(m.amount_idr)}`],
    ];
    replace(out,
      h("div", { class: rep.ok ? "alert alert-success" : "alert alert-error", role: "status", id: "recon-verdict" },
        rep.ok ? "Cocok: setiap pembayaran di penyedia tercatat tepat satu kali di buku besar PNBP."
          : "Tidak cocok: ada selisih yang perlu diperiksa."),
      dl([
        ["Pembayaran di penyedia", `${fmt.number(rep.provider_payments)} (${fmt.rupiah(rep.provider_total_idr)})`],
        ["Baris buku besar PNBP", `${fmt.number(rep.ledger_rows)} (${fmt.rupiah(rep.ledger_total_idr)})`],
        ["Butir kerja terbuka", Object.entries(rep.open_work_items || {}).map(([k, n]) => `${KIND[k] || k}: ${n}`).join(", ") || "—"],
      ]),
      ...rows.filter(([, items]) => items && items.length).map(([title, items, fmtRow]) =>
        h("section", { class: "recon-diff" }, h("h3", {}, `${title} (${items.length})`),
          h("ul", {}, items.map((m) => h("li", {}, fmtRow(m)))))));
  });

  await load();
}
