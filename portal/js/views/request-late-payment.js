// A payment that arrived after the request was cancelled or expired (issue 16, consumer side): the billing's
// `after_close` says whether the supervisors' decision is pending (and due when), or its outcome — the order
// resumed as a follow-up request (already paid), or the payment refunded. Hooked into requests.js.
import { h } from "../dom.js";
import { date, dateTime, rupiah } from "../fmt.js";
import { alertBox, facts } from "../ui.js";

const enc = encodeURIComponent;
const CLOSED = { cancelled: "dibatalkan", expired: "kedaluwarsa" };

/** The request page's card for a payment after close; null when the billing has none. */
export function latePaymentPanel(r, billing) {
  const ac = billing && !billing.error ? billing.after_close : null;
  if (!ac) return null;
  const closed = CLOSED[r.status] || "ditutup";
  const paid = `Kami menerima pembayaran Anda sebesar ${rupiah(billing.amount_idr)} pada ${dateTime(billing.paid_at || ac.received_at)}, `
    + `setelah permintaan ini ${closed}. Pembayaran tercatat di kas negara (NTPN ${billing.ntpn || "—"}); uang Anda tidak hilang.`;
  const receipt = h("a", { class: "btn btn-secondary", href: `#/permintaan/${enc(r.request_id)}/tagihan`, id: "late-receipt" },
    "Lihat tagihan & unduh kuitansi");
  const body = [h("p", { id: "late-paid" }, paid)];
  if (ac.state === "resumed") {
    body.push(alertBox("success", `Supervisor melanjutkan pesanan Anda pada ${dateTime(ac.decided_at)} sebagai permintaan `
      + `${ac.follow_up_request_id}. Pembayaran Anda berlaku untuk permintaan itu; Anda tidak perlu membayar lagi.`,
    "Pesanan Anda dilanjutkan"),
    h("div", { class: "actions" },
      h("a", { class: "btn", id: "late-follow-up", href: `#/permintaan/${enc(ac.follow_up_request_id)}` },
        `Buka permintaan lanjutan ${ac.follow_up_request_id}`), receipt));
  } else if (ac.state === "refunded") {
    body.push(alertBox("success", `Pengembalian dana (restitusi PNBP) sebesar ${rupiah(billing.amount_idr)} tercatat pada `
      + `${date(ac.refunded_at)}. Bila dana belum masuk ke rekening Anda dalam 5 hari kerja, ajukan pengaduan tentang permintaan ini.`,
    "Dana Anda dikembalikan"),
    h("div", { class: "actions" }, receipt));
  } else {
    const late = ac.decide_by && new Date(ac.decide_by).getTime() < Date.now();
    body.push(h("h3", {}, "Langkah selanjutnya"),
      h("ol", { id: "late-next" },
        h("li", {}, `Supervisor layanan memutuskan paling lambat ${date(ac.decide_by)}: `,
          h("strong", {}, "melanjutkan pesanan Anda"), " tanpa bayar lagi, atau ", h("strong", {}, "mengembalikan dana Anda"), "."),
        h("li", {}, "Keputusannya dikirim lewat e-mail dan tampil di halaman ini. Untuk pengembalian dana, petugas menghubungi Anda "
          + "untuk data rekening; prosesnya melalui KPPN dan dapat memakan waktu beberapa minggu."),
        h("li", {}, "Anda tidak perlu membayar ulang atau membuat permintaan baru. Simpan kuitansi sebagai bukti pembayaran. "
          + "Ada pertanyaan? Gunakan tombol \u201cAjukan pengaduan\u201d di atas.")),
      late ? alertBox("warn", "Keputusan melewati jadwal. Mohon maaf atas keterlambatan ini; Anda dapat mengajukan pengaduan "
        + "tentang permintaan ini.", "Terlambat") : null,
      facts([["Status", h("span", { id: "late-state" }, "Menunggu keputusan supervisor")],
        ["Keputusan paling lambat", date(ac.decide_by)]]),
      h("div", { class: "actions" }, receipt));
  }
  return h("section", { class: "card card-late", "aria-labelledby": "late-h", id: "late-payment",
    dataset: { state: ac.state } },
  h("h2", { id: "late-h" }, "Pembayaran diterima setelah permintaan ditutup"), ...body);
}

/** The follow-up of a payment after close (a supervisor resumed the order): where it came from. */
export function followUpNotice(r) {
  if (r.kind !== "data_order" || !r.about_request_id) return null;
  return h("div", { id: "follow-up-of" }, alertBox("info", `Permintaan ini melanjutkan ${r.about_request_id}, yang dibayar setelah ditutup. `
    + "Pembayaran Anda berlaku di sini; Anda tidak perlu membayar lagi.", "Permintaan lanjutan"),
  h("p", { class: "small" }, h("a", { href: `#/permintaan/${enc(r.about_request_id)}` }, `Lihat permintaan asal ${r.about_request_id}`)));
}
