// Permintaan saya: the list, a request's page (#/permintaan/<id>: status in plain words, timeline, due date,
// conversation, deliverables, rating, cancel) and its billing page (#/permintaan/<id>/tagihan: code, amount in
// figures and words, expiry countdown, payment instructions per bank channel, invoice and receipt PDFs).
import { h, replace, clear } from "../dom.js";
import { get, post, download, errorText } from "../api.js";
import { STATUS, OPEN, CANCELLABLE, KIND, TOPIC, TTYPE, BILLING, ITEM_TYPE, dateTime, date, rupiah, terbilang,
  remaining, bytes, humanise } from "../fmt.js";
import { pageHeader, loading, errorBox, emptyState, facts, card, statusBadge, busy, toast, field, showFormError,
  alertBox, announce } from "../ui.js";
import { keepDraft } from "../store.js";
import { applicationPanel } from "./request-application.js";
import { consumerPanel } from "./request-consumer.js";
import { surveyFields, surveyAnswers, mergedNotice } from "./survey.js";  // desk: IKM survey, merged duplicates
import { latePaymentPanel, followUpNotice } from "./request-late-payment.js";  // issue 16: paid after close

export const needsLogin = "melihat permintaan Anda";
const POLL_MS = 4000;
const SLOW_POLL_MS = 10000;

export async function render(main, ctx) {
  const id = ctx.parts[1];
  if (!id) return renderList(main, ctx);
  if (ctx.parts[2] === "tagihan") return renderBillingPage(main, ctx, id);
  return renderDetail(main, ctx, id);
}

function title(r) {
  if (r.kind === "consultation") return r.subject || "Konsultasi";
  if (r.kind === "complaint") return `Pengaduan${r.about_request_id ? ` tentang ${r.about_request_id}` : ""}`;
  const first = (r.items || [])[0];
  const more = (r.items || []).length > 1 ? ` dan ${(r.items || []).length - 1} data lain` : "";
  return first ? `${first.title}${more}` : (r.custom_request || "Permintaan data khusus").slice(0, 120);
}

// --- list ----------------------------------------------------------------------------------------------------
function listItem(r) {
  return h("li", { class: "result", "data-id": r.request_id },
    h("h2", {}, h("a", { href: `#/permintaan/${encodeURIComponent(r.request_id)}` }, title(r))),
    h("ul", { class: "meta" }, h("li", {}, KIND[r.kind] || r.kind), h("li", {}, r.request_id),
      h("li", {}, `Diajukan ${dateTime(r.created_at)}`),
      r.due_at && OPEN.has(r.status) ? h("li", {}, `Target selesai ${date(r.due_at)}`) : null,
      paidAfterClose(r) ? h("li", { class: "late-note" }, "Pembayaran diterima setelah ditutup — lihat rinciannya") : null),
    h("p", {}, statusBadge(r.status)));
}

async function renderList(main, ctx) {
  const list = h("div", { id: "request-list" }, loading("Memuat permintaan…"));
  replace(main, pageHeader("Permintaan saya", "Konsultasi, permintaan data, dan pengaduan Anda."),
    h("div", { class: "actions" },
      h("a", { class: "btn btn-secondary btn-small", href: "#/konsultasi" }, "Konsultasi baru"),
      h("a", { class: "btn btn-secondary btn-small", href: "#/cari" }, "Pesan data"),
      h("a", { class: "btn btn-secondary btn-small", href: "#/pengaduan" }, "Pengaduan")), list);
  const ul = h("ul", { class: "results" });
  const more = async (cursor, button) => {
    let page;
    try {
      page = await get("/requests", { page_size: 20, cursor });
    } catch (err) {
      if (button) { button.after(errorBox(err)); return; }
      replace(list, errorBox(err, { retry: () => renderList(main, ctx) }));
      return;
    }
    if (!ctx.isCurrent()) return;
    if (!cursor) {
      if (!page.items.length) {
        replace(list, emptyState("Anda belum memiliki permintaan.", h("a", { class: "btn", href: "#/cari" }, "Cari data")));
        return;
      }
      replace(list, ul);
    }
    ul.append(...page.items.map(listItem));
    if (button) button.remove();
    if (page.next_cursor) {
      const b = h("button", { type: "button", class: "btn btn-secondary", id: "more" }, "Muat lebih banyak");
      b.addEventListener("click", () => busy(b, () => more(page.next_cursor, b), "Memuat…"));
      list.append(b);
    }
  };
  await more(null, null);
}

// --- detail --------------------------------------------------------------------------------------------------
async function load(id) {
  // the conversation is fetched alongside the request (one round trip less); billing and files need its status
  const pendingMessages = get(`/requests/${encodeURIComponent(id)}/messages`).catch((e) => ({ error: e }));
  const r = await get(`/requests/${encodeURIComponent(id)}`);
  const [messages, billing, files] = await Promise.all([
    pendingMessages,
    r.kind === "data_order" && r.billing_code
      ? get(`/requests/${encodeURIComponent(id)}/billing`).catch((e) => ({ error: e })) : null,
    r.kind === "data_order" && (["delivered", "completed"].includes(r.status) || autoDelivered(r))
      ? get(`/requests/${encodeURIComponent(id)}/deliverables`).catch((e) => ({ error: e })) : null,
  ]);
  return { r, messages, billing, files };
}

async function renderDetail(main, ctx, id, { quiet = false } = {}) {
  if (!quiet) replace(main, loading("Memuat permintaan…"));  // quiet: an automatic refresh keeps the page in place
  let data;
  try {
    data = await load(id);
  } catch (err) {
    replace(main, h("h1", { id: "page-title", tabindex: "-1" }, `Permintaan ${id}`), errorBox(err, { retry: () => renderDetail(main, ctx, id) }));
    return;
  }
  if (!ctx.isCurrent()) return;
  const { r } = data;
  const [word, explain] = STATUS[r.status] || [r.status, ""];
  replace(main,
    h("p", { class: "small" }, h("a", { href: "#/permintaan" }, "‹ Semua permintaan")),
    pageHeader(title(r), `${KIND[r.kind] || r.kind} · ${r.request_id}`),
    h("section", { class: "card", "aria-labelledby": "status-h", id: "status-card" },
      h("h2", { id: "status-h" }, "Status: ", h("span", { id: "status-word" }, statusBadge(r.status))),
      h("p", {}, waitingText(r) || explain),
      facts([
        ["Diajukan", dateTime(r.created_at)],
        ["Target selesai", r.due_at ? `${dateTime(r.due_at)}` : "Ditetapkan setelah permintaan mulai diproses"],
        r.kind === "consultation" ? ["Topik", TOPIC[r.topic] || r.topic] : undefined,
        r.kind === "data_order" ? ["Jenis transaksi", transactionText(r)] : undefined,
        r.kind === "data_order" ? ["Total", totalText(r)] : undefined,
        ["Petugas", r.assignee ? "Sudah ditugaskan" : "Belum ditugaskan"],
      ]),
      actions(main, ctx, r)),
    mergedNotice(r),  // desk: a merged duplicate points to its primary
    followUpNotice(r), latePaymentPanel(r, data.billing),  // issue 16: a payment after the request closed
    consumerPanel(r, () => renderDetail(main, ctx, r.request_id)),  // the desk's question or price quote (issue 19)
    billingSummary(r, data.billing),  // the next step of a paid order comes before the attachments form
    deliverables(r, data.files),
    applicationPanel(r, () => renderDetail(main, ctx, r.request_id)),  // microdata application, attachments (issue 19)
    rating(main, ctx, r),
    r.kind === "data_order" ? card("Rincian permintaan", facts([
      ["Data", (r.items || []).length ? h("ul", {}, r.items.map((i) => h("li", {},
        h("a", { href: `#/katalog/${encodeURIComponent(i.catalog_id)}` }, i.title), ` — ${ITEM_TYPE[i.type] || i.type}, ${i.price_idr ? rupiah(i.price_idr) : "gratis"}`))) : "—"],
      ["Tujuan", r.purpose],
      ["Permintaan khusus", r.custom_request || "—"],
    ])) : null,
    r.kind === "consultation" ? card("Pertanyaan Anda", h("p", { class: "prewrap" }, r.question || "")) : null,
    r.kind === "complaint" ? card("Isi pengaduan", h("p", {}, r.message || "")) : null,
    conversation(main, ctx, r, data.messages),
    card("Riwayat", h("ol", { class: "timeline", id: "timeline" }, (r.timeline || []).map((t) => h("li", {},
      h("strong", {}, (STATUS[t.status] || [t.status])[0]), h("br"),
      h("span", { class: "muted small" }, dateTime(t.at)), t.note ? h("p", { class: "small" }, humanise(t.note)) : null)))));
  poll(main, ctx, id, r, data.billing, Array.isArray(data.messages) ? data.messages.length : null);
  void word;
}

/** While the desk waits on the consumer: where to answer (the question's own form, or the quote's buttons). */
function waitingText(r) {
  if (r.status !== "awaiting_consumer" || !r.awaiting) return "";
  return r.awaiting.kind === "quote"
    ? "Petugas mengirim penawaran harga. Setujui atau tolak di bagian \u201cPenawaran harga\u201d di bawah."
    : "Petugas mengajukan pertanyaan. Tulis jawaban Anda di bagian \u201cPertanyaan dari petugas\u201d di bawah.";
}

/** A custom-data request is free until a quote is accepted: never say "Gratis, Rp 0" next to an open quote. */
function quotePending(r) {
  return Boolean(r.custom_request) && r.transaction_type !== "paid" && !(r.quote && r.quote.status === "accepted")
    && OPEN.has(r.status);
}

function transactionText(r) {
  if (quotePending(r) && r.quote && r.quote.status === "sent") return "Menunggu keputusan Anda atas penawaran harga";
  if (quotePending(r)) return `${TTYPE[r.transaction_type] || "Ditentukan petugas"} (permintaan khusus dapat dikenai tarif PNBP setelah ditelaah petugas)`;
  return TTYPE[r.transaction_type] || "Ditentukan petugas";
}

function totalText(r) {
  if (quotePending(r) && r.quote && r.quote.status === "sent") {
    const all = Number(r.total_idr || 0) + Number(r.quote.total_idr || 0);
    return `${rupiah(all)} bila penawaran disetujui (${terbilang(all)})`;
  }
  return `${rupiah(r.total_idr)} (${terbilang(r.total_idr)})`;
}

function actions(main, ctx, r) {
  const box = h("div", { class: "actions" });
  if (CANCELLABLE.has(r.status)) {
    box.append(h("button", { type: "button", class: "btn btn-danger", id: "cancel", onclick: async (ev) => {
      if (!window.confirm("Batalkan permintaan ini? Tindakan ini tidak dapat diurungkan.")) return;
      await busy(ev.target, async () => {
        try {
          await post(`/requests/${encodeURIComponent(r.request_id)}/cancel`);
          toast("Permintaan dibatalkan.");
          renderDetail(main, ctx, r.request_id);
        } catch (err) {
          box.after(errorBox(err));
        }
      }, "Membatalkan…");
    } }, "Batalkan permintaan"));
  }
  if (r.kind !== "complaint") {
    box.append(h("a", { class: "btn btn-secondary", href: `#/pengaduan?tentang=${encodeURIComponent(r.request_id)}` }, "Ajukan pengaduan"));
  }
  return box.childNodes.length ? box : null;
}

function billingSummary(r, billing) {
  if (!billing) {
    if (r.kind === "data_order" && r.status === "awaiting_approval") {
      return alertBox("info", "Tagihan terbit setelah petugas menyetujui permintaan Anda.");
    }
    if (r.billing_delayed) {
      return alertBox("warn", "Sistem tagihan negara (SIMPONI) sedang tidak dapat dihubungi. Tagihan Anda dibuat "
        + "otomatis begitu layanan pulih; Anda tidak perlu mengirim ulang pesanan.");
    }
    if (r.kind === "data_order" && r.transaction_type === "paid" && r.status === "submitted") {
      return card("Tagihan", h("p", { class: "muted", id: "billing-pending" }, "Tagihan sedang dibuat. Halaman ini diperbarui otomatis."));
    }
    return null;
  }
  if (billing.error) return card("Tagihan", billing.error.status === 404
    ? h("p", { class: "muted" }, "Tagihan sedang dibuat. Halaman ini diperbarui otomatis.") : errorBox(billing.error));
  return card("Tagihan", facts([
    ["Kode billing", h("span", { class: "billing-code" }, billing.billing_code)],
    ["Jumlah", rupiah(billing.amount_idr)],
    ["Status", h("span", { id: "billing-status-summary" }, billingWord(billing))],
  ]), h("a", { class: "btn", href: `#/permintaan/${encodeURIComponent(r.request_id)}/tagihan`, id: "to-billing" },
    billing.status === "unpaid" ? "Lihat cara bayar" : "Lihat tagihan & kuitansi"));
}

/** A request closed (cancelled, expired) whose payment arrived anyway: the billing page says what happens next. */
function paidAfterClose(r) {
  return ["cancelled", "expired"].includes(r.status) && Boolean(r.paid_at);
}

function billingWord(b) {
  return b.status === "expired" && b.closed_reason === "cancelled" ? "Dibatalkan" : (BILLING[b.status] || b.status);
}

/** Published catalog files sent by the system without waiting for an operator (issue 19): the timeline says so. */
function autoDelivered(r) {
  return (r.timeline || []).some((e) => e.actor === "system" && /dikirim otomatis/.test(e.note || ""));
}

function deliverables(r, files) {
  if (!files) return null;
  if (files.error) return card("Berkas data", errorBox(files.error));
  if (!files.length) return card("Berkas data", emptyState("Belum ada berkas untuk diunduh."));
  const auto = autoDelivered(r) ? h("p", { class: "hint", id: "auto-delivered" }, ["delivered", "completed"].includes(r.status)
    ? "Berkas data katalog ini dikirim otomatis oleh sistem, tanpa menunggu petugas."
    : "Berkas data katalog sudah dikirim otomatis; bagian lain pesanan Anda sedang disiapkan petugas.") : null;
  return card("Berkas data", auto,
    h("p", { class: "hint" }, "Tautan unduhan berlaku singkat; muat ulang halaman untuk tautan baru."),
    h("ul", { class: "results", id: "deliverables" }, files.map((f) => h("li", { class: "result" },
      h("a", { class: "btn", href: f.download_url, download: f.filename, "data-id": f.deliverable_id, rel: "noopener" },
        `Unduh ${f.filename}`),
      h("ul", { class: "meta" }, h("li", {}, bytes(f.size_bytes)), h("li", {}, `berlaku s.d. ${dateTime(f.expires_at)}`),
        h("li", { class: "small" }, h("span", { title: "SHA-256" }, `SHA-256 ${f.sha256.slice(0, 16)}…`)))))));
}

function rating(main, ctx, r) {
  if (r.rating) {
    return card("Penilaian Anda", h("p", { id: "rating-done" }, `${"★".repeat(r.rating.score)}${"☆".repeat(5 - r.rating.score)} (${r.rating.score} dari 5)`),
      r.rating.comment ? h("p", {}, r.rating.comment) : null);
  }
  if (r.status !== "delivered") return null;
  const form = h("form", { id: "rating-form" },
    h("fieldset", { class: "stars" }, h("legend", {}, "Seberapa puas Anda dengan layanan ini?"),
      [1, 2, 3, 4, 5].map((n) => h("label", {}, h("input", { type: "radio", name: "score", value: n, required: true }),
        `${n} ${["", "Sangat tidak puas", "Tidak puas", "Cukup", "Puas", "Sangat puas"][n]}`))),
    field("Komentar (opsional)", h("textarea", { name: "comment", maxlength: 2000, rows: 3 })),
    surveyFields(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "rating-submit" }, "Kirim penilaian")));
  const slot = h("div");
  form.prepend(slot);
  const draft = keepDraft(form, `rating.${r.request_id}`);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const body = { score: Number(f.get("score")) };
    if (String(f.get("comment") || "").trim()) body.comment = String(f.get("comment")).trim();
    await busy(form.querySelector("[type=submit]"), async () => {
      try {
        const survey = surveyAnswers(f);
        if (survey) body.survey = survey;
        await post(`/requests/${encodeURIComponent(r.request_id)}/rating`, body);
        draft.clear();
        toast("Terima kasih atas penilaian Anda.");
        renderDetail(main, ctx, r.request_id);
      } catch (err) { showFormError(slot, form, err); }
    }, "Mengirim…");
  });
  return card("Beri penilaian", form);
}

function conversation(main, ctx, r, messages) {
  const list = Array.isArray(messages) ? messages : [];
  const body = h("div", { id: "conversation" });
  if (messages && messages.error) body.append(errorBox(messages.error));
  body.append(list.length ? h("ol", { class: "msgs", id: "messages" }, list.map((m) => {
    const mine = m.author_role === "consumer" || m.author_role === "staff";
    return h("li", { class: ["msg", mine ? "msg-mine" : null] },
      h("p", { class: "msg-head" }, `${mine ? "Anda" : "Petugas"} · ${dateTime(m.at)}`), h("p", {}, m.body));
  })) : h("p", { class: "muted", id: "no-messages" }, "Belum ada percakapan."));
  if (!["completed", "cancelled", "rejected", "expired"].includes(r.status)) {
    const form = h("form", { id: "message-form" },
      field("Pesan untuk petugas", h("textarea", { name: "body", maxlength: 5000, rows: 3 }), { required: true }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-secondary", id: "message-submit" }, "Kirim pesan")));
    const slot = h("div");
    form.prepend(slot);
    const draft = keepDraft(form, `message.${r.request_id}`);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = String(new FormData(form).get("body") || "").trim();
      if (!text) return;
      await busy(form.querySelector("[type=submit]"), async () => {
        try {
          await post(`/requests/${encodeURIComponent(r.request_id)}/messages`, { body: text });
          draft.clear();
          toast("Pesan terkirim.");
          renderDetail(main, ctx, r.request_id);
        } catch (err) { showFormError(slot, form, err); }
      }, "Mengirim…");
    });
    body.append(form);
  }
  return card("Percakapan", body);
}

/** Real-time status: re-render when the request's status (or its billing's) changes. */
function poll(main, ctx, id, r, billing, messageCount) {
  if (!OPEN.has(r.status) && r.status !== "delivered") return;
  const billingStatus = billing && !billing.error ? billing.status : null;
  // fast while a payment is awaited (the status follows the bank in near real time), calmer otherwise;
  // nothing is fetched while the tab is in the background
  const every = r.status === "awaiting_payment" || billingStatus === "unpaid" ? POLL_MS : SLOW_POLL_MS;
  const tick = async () => {
    if (!ctx.isCurrent() || !document.getElementById("status-card")) return;
    if (document.hidden) { window.setTimeout(tick, every); return; }
    try {
      const now = await get(`/requests/${encodeURIComponent(id)}`);
      if (!ctx.isCurrent()) return;
      let changed = now.status !== r.status || now.billing_code !== r.billing_code;
      if (!changed && messageCount !== null) {  // a new answer from the desk
        const msgs = await get(`/requests/${encodeURIComponent(id)}/messages`);
        changed = Array.isArray(msgs) && msgs.length !== messageCount;
      }
      if (!changed && billingStatus === "unpaid") {
        const b = await get(`/requests/${encodeURIComponent(id)}/billing`);
        changed = b.status !== billingStatus;
      }
      if (changed && !isTyping()) { refreshDetail(main, ctx, id, now); return; }
    } catch { /* keep the page; the next tick tries again */ }
    window.setTimeout(tick, every);
  };
  window.setTimeout(tick, every);
}

/** An automatic refresh (status, billing or conversation changed): no loading flash, the scroll position and the
 *  focused control are kept; when that control is gone the focus goes to the status heading, and the change is
 *  announced to screen readers. */
async function refreshDetail(main, ctx, id, now) {
  const a = document.activeElement;
  const inMain = Boolean(a && a !== main && main.contains(a));
  const keep = inMain && a.id ? a.id : null;
  const y = window.scrollY;
  await renderDetail(main, ctx, id, { quiet: true });
  if (!ctx.isCurrent()) return;
  window.scrollTo(0, y);
  const again = keep && document.getElementById(keep);
  if (again) again.focus({ preventScroll: true });
  else if (inMain) focusQuietly(document.getElementById("status-h"));
  announce(`Status permintaan diperbarui: ${(STATUS[now.status] || [now.status])[0]}`);
}

function focusQuietly(el) {
  if (!el) return;
  el.setAttribute("tabindex", "-1");
  el.focus({ preventScroll: true });
}

function isTyping() {
  const a = document.activeElement;
  return Boolean(a && (a.tagName === "TEXTAREA" || a.tagName === "INPUT") && a.value);
}

// --- billing page --------------------------------------------------------------------------------------------
async function renderBillingPage(main, ctx, id, { quiet = false } = {}) {
  if (!quiet) replace(main, loading("Memuat tagihan…"));
  let r;
  let b;
  try {
    r = await get(`/requests/${encodeURIComponent(id)}`);
    b = await get(`/requests/${encodeURIComponent(id)}/billing`);
  } catch (err) {
    replace(main, h("p", { class: "small" }, h("a", { href: `#/permintaan/${encodeURIComponent(id)}` }, "‹ Kembali ke permintaan")),
      h("h1", { id: "page-title", tabindex: "-1" }, "Tagihan"),
      err.status === 404 ? alertBox("info", "Tagihan untuk permintaan ini belum terbit atau tidak ada. Tagihan terbit otomatis untuk pesanan berbayar; untuk mikrodata setelah petugas menyetujui abstraksi.") : errorBox(err, { retry: () => renderBillingPage(main, ctx, id) }));
    return;
  }
  if (!ctx.isCurrent()) return;
  const sim = ctx.config && ctx.config.billingSimUrl;
  const countdown = h("span", { class: "countdown", id: "countdown", role: "timer", "aria-live": "off" });
  const statusEl = h("strong", { id: "billing-status" }, billingWord(b));
  const channels = (b.payment_instructions && b.payment_instructions.channels) || [];
  const pdfButtons = h("div", { class: "actions" },
    h("button", { type: "button", class: "btn btn-secondary", id: "invoice", onclick: (ev) => pdf(ev.target, id, "invoice", `tagihan-${id}.pdf`) }, "Unduh tagihan (PDF)"),
    b.status === "paid" ? h("button", { type: "button", class: "btn btn-secondary", id: "receipt",
      onclick: (ev) => pdf(ev.target, id, "receipt", `kuitansi-${id}.pdf`) }, "Unduh kuitansi (PDF)") : null);
  const errSlot = h("div");
  replace(main,
    h("p", { class: "small" }, h("a", { href: `#/permintaan/${encodeURIComponent(id)}` }, "‹ Kembali ke permintaan")),
    pageHeader("Tagihan pembayaran", `${title(r)} · ${id}`),
    h("section", { class: "card", "aria-labelledby": "bill-h" },
      h("h2", { id: "bill-h" }, "Kode billing SIMPONI"),
      h("p", { class: "billing-code", id: "billing-code" }, b.billing_code),
      h("button", { type: "button", class: "btn btn-secondary btn-small", id: "copy-code", onclick: async () => {
        try { await navigator.clipboard.writeText(b.billing_code); toast("Kode billing disalin."); }
        catch { toast("Salin manual: pilih kode di atas.", "error"); }
      } }, "Salin kode"),
      facts([
        ["Jumlah", h("span", {}, h("span", { class: "amount", id: "amount" }, rupiah(b.amount_idr)), h("br"),
          h("span", { id: "amount-words" }, `Terbilang: ${terbilang(b.amount_idr)}`))],
        ["Status", statusEl],
        b.status === "unpaid" ? ["Bayar sebelum", h("span", {}, dateTime(b.expires_at), h("br"), "Sisa waktu: ", countdown)] : undefined,
        b.paid_at ? ["Dibayar", dateTime(b.paid_at)] : undefined,
        b.ntpn ? ["NTPN", h("span", { id: "ntpn" }, b.ntpn)] : undefined,
      ]),
      b.status === "paid" && !b.after_close ? alertBox("success", "Pembayaran diterima. Permintaan Anda diteruskan ke petugas.", "Lunas") : null,
      b.status === "paid" && b.after_close ? h("div", { id: "billing-late" }, alertBox("warn", "Pembayaran ini diterima setelah permintaan "
        + "ditutup. Supervisor melanjutkan pesanan Anda atau mengembalikan dana; lihat halaman permintaan untuk keputusan dan jadwalnya.",
      "Lunas, diterima setelah ditutup")) : null,
      b.status === "expired" ? alertBox("warn", b.closed_reason === "cancelled"
        ? "Tagihan dibatalkan bersama permintaan Anda; kode billing ini tidak dapat dibayar lagi. Ajukan permintaan baru bila masih membutuhkan data ini."
        : "Tagihan kedaluwarsa. Ajukan permintaan baru bila masih membutuhkan data ini.") : null,
      pdfButtons, errSlot),
    b.status === "unpaid" ? h("section", { class: "card bank", "aria-labelledby": "how-h" },
      h("h2", { id: "how-h" }, "Cara membayar"),
      b.payment_instructions && b.payment_instructions.note ? h("p", {}, b.payment_instructions.note) : null,
      b.payment_instructions && b.payment_instructions.virtual_account
        ? h("p", {}, "Nomor virtual account: ", h("strong", {}, b.payment_instructions.virtual_account)) : null,
      channels.length ? channels.map((c, i) => h("details", { open: i === 0 },
        h("summary", {}, `${c.bank} — ${c.channel}`),
        h("ol", {}, (c.steps || []).map((s) => h("li", {}, s)))))
        : h("p", {}, "Bayar melalui teller bank, ATM, internet/mobile banking, atau kantor pos yang melayani penerimaan negara (MPN) dengan kode billing di atas.")) : null,
    b.status === "unpaid" && sim ? h("section", { class: "card", "aria-labelledby": "sim-h" },
      h("h2", { id: "sim-h" }, "Simulasi pembayaran (lingkungan lokal)"),
      h("p", { class: "muted" }, "Hanya untuk pengembangan: membayar tagihan ini melalui simulator SIMPONI."),
      h("button", { type: "button", class: "btn", id: "sim-pay", onclick: (ev) => simPay(ev.target, sim, b, errSlot) }, "Bayar dengan simulator")) : null);
  if (b.status === "unpaid") {
    const tick = () => {
      if (!countdown.isConnected) return;
      const left = remaining(b.expires_at);
      countdown.textContent = left || "habis";
      if (left) window.setTimeout(tick, 1000);
    };
    tick();
    const watch = async () => {
      if (!statusEl.isConnected || !ctx.isCurrent()) return;
      try {
        const now = await get(`/requests/${encodeURIComponent(id)}/billing`);
        if (now.status !== b.status) {
          // paid (or expired) while the page is open: the news gets the focus (the pay button is gone)
          const a = document.activeElement;
          const hadFocus = !a || a === document.body || (main.contains(a) && a !== main);
          await renderBillingPage(main, ctx, id, { quiet: true });
          if (hadFocus) focusQuietly(document.getElementById("billing-status"));
          announce(`Status tagihan: ${billingWord(now)}`);
          return;
        }
      } catch { /* try again */ }
      window.setTimeout(watch, POLL_MS);
    };
    window.setTimeout(watch, POLL_MS);
  }
}

async function pdf(button, id, what, filename) {
  await busy(button, async () => {
    try { await download(`/requests/${encodeURIComponent(id)}/${what}`, filename); }
    catch (err) { toast(errorText(err), "error"); }
  }, "Mengunduh…");
}

async function simPay(button, sim, b, slot) {
  clear(slot);
  await busy(button, async () => {
    try {
      const res = await fetch(`${String(sim).replace(/\/+$/, "")}/simulate/pay`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ billing_code: b.billing_code }),
        cache: "no-store" });
      if (!res.ok) throw new Error(`simulator HTTP ${res.status}`);
      toast("Pembayaran terkirim ke simulator. Menunggu konfirmasi…");
    } catch (err) {
      slot.append(alertBox("error", `Simulator gagal: ${errorText(err)}`));
    }
  }, "Membayar…");
}
