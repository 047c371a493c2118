// Keranjang & pemesanan: catalog items from the cart, purpose; microdata → data-use agreement + abstract;
// zero-rupiah justification; a custom-data request (with or without catalog items).
import { h, replace } from "../dom.js";
import { pageHeader, field, card, emptyState, alertBox, toast } from "../ui.js";
import { cart, removeFromCart, clearCart } from "../store.js";
import { ITEM_TYPE, rupiah, terbilang } from "../fmt.js";
import { loggedIn, login } from "../auth.js";
import { requestForm, text, draftNotice } from "./forms.js";
import { pub } from "../api.js";
import * as att from "../attachments.js";

export function needsLogin() { return null; } // the cart is visible without an account; ordering asks to log in

function cartTable(items, onChange) {
  if (!items.length) {
    return emptyState("Keranjang masih kosong. Cari data lalu tekan “Tambah ke keranjang”, atau ajukan permintaan data khusus di bawah.",
      h("a", { class: "btn btn-secondary", href: "#/cari" }, "Cari data"));
  }
  const total = items.reduce((s, i) => s + Number(i.price_idr || 0), 0);
  return h("div", { class: "table-wrap" }, h("table", { id: "cart-table" },
    h("caption", { class: "visually-hidden" }, "Data di keranjang"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Data"), h("th", { scope: "col" }, "Harga"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Aksi")))),
    h("tbody", {}, items.map((i) => h("tr", { "data-id": i.id },
      h("td", {}, h("a", { href: `#/katalog/${encodeURIComponent(i.id)}` }, i.title), h("br"),
        h("span", { class: "muted small" }, ITEM_TYPE[i.type] || i.type)),
      h("td", {}, i.price_idr ? rupiah(i.price_idr) : "Gratis"),
      h("td", {}, h("button", { type: "button", class: "linklike", "aria-label": `Hapus ${i.title} dari keranjang`,
        onclick: () => { removeFromCart(i.id); onChange(); } }, "Hapus"))))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Perkiraan total"),
      h("td", { colspan: 2 }, h("strong", { id: "cart-total" }, rupiah(total)), h("br"),
        h("span", { class: "muted small" }, terbilang(total)))))));
}

export async function render(main, ctx) {
  const items = cart();
  const micro = items.some((i) => i.type === "microdata" || i.access === "restricted");
  const paid = items.some((i) => Number(i.price_idr) > 0);
  const zeroBox = h("div", { id: "zero-box", hidden: true },
    field("Dasar pembebasan biaya (nol rupiah)", h("textarea", { name: "zero_rupiah_justification", maxlength: 5000 }),
      { hint: "Sebutkan dasar peraturan dan nomor surat (misalnya kerja sama instansi pemerintah atau penelitian skripsi/tesis)." }),
    field("Surat pendukung pembebasan biaya (PDF, JPEG, atau PNG; paling besar 10 MB)",
      h("input", { type: "file", name: "zero_file", id: "zero-file", accept: "application/pdf,image/jpeg,image/png" }),
      { hint: "Misalnya surat keterangan dari kampus atau surat permohonan instansi. Diunggah setelah permintaan terkirim." }));
  const zeroToggle = h("input", { type: "checkbox", name: "zero_rupiah", id: "zero-rupiah" });
  // microdata: the data-use agreement in effect, as versioned text; the consumer accepts that version (issue 19)
  let agreementVersion = null;
  const agreementBox = h("div", { id: "agreement-text", class: "agreement", tabindex: "0",
    "aria-label": "Teks perjanjian penggunaan mikrodata" }, h("p", { class: "muted" }, "Memuat teks perjanjian…"));
  const agreementLabel = h("span", {}, "Saya telah membaca dan menyetujui perjanjian penggunaan mikrodata");
  if (micro) {
    pub("/microdata/agreement").then((a) => {
      agreementVersion = a.version;
      agreementLabel.textContent = `Saya telah membaca dan menyetujui perjanjian penggunaan mikrodata versi ${a.version}`;
      replace(agreementBox, h("h3", {}, `${a.title} (versi ${a.version})`), h("p", { class: "prewrap" }, a.text));
    }).catch(() => replace(agreementBox, alertBox("error", "Teks perjanjian belum dapat dimuat. Muat ulang halaman.")));
  }
  const showZero = () => {
    zeroBox.hidden = !zeroToggle.checked;
    const why = zeroBox.querySelector("textarea");
    why.required = zeroToggle.checked;  // announced as required while the exemption is asked for
  };
  zeroToggle.addEventListener("change", showZero);
  const form = h("form", { id: "order-form", class: "card" },
    h("h2", {}, "Data pesanan"),
    field("Tujuan penggunaan data", h("textarea", { name: "purpose", maxlength: 5000, rows: 3 }), { required: true,
      hint: "Misalnya: penelitian tesis tentang ketimpangan pendapatan di Jawa Barat." }),
    field("Permintaan data khusus (opsional)", h("textarea", { name: "custom_request", maxlength: 5000, rows: 3 }), {
      hint: "Data yang belum terbit atau tabulasi khusus: sebutkan variabel, wilayah, dan periode." }),
    micro ? h("fieldset", { id: "micro-box" }, h("legend", {}, "Mikrodata"),
      alertBox("warn", "Pesanan berisi mikrodata. Abstraksi rencana penggunaan ditinjau petugas sebelum tagihan terbit."),
      field("Judul proyek", h("input", { name: "project_title", id: "project-title", maxlength: 200 }), { required: true }),
      field("Instansi", h("input", { name: "project_institution", id: "project-institution", maxlength: 200 }), { required: true }),
      field("Tujuan proyek", h("textarea", { name: "project_purpose", id: "project-purpose", maxlength: 5000, rows: 3 }), { required: true }),
      field("Keluaran yang direncanakan", h("textarea", { name: "project_outputs", id: "project-outputs", maxlength: 5000, rows: 2 }),
        { required: true, hint: "Misalnya tesis, artikel jurnal, atau laporan kebijakan." }),
      field("Abstraksi rencana penelitian", h("textarea", { name: "abstract", maxlength: 5000, rows: 5 }), { required: true,
        hint: "Judul, tujuan, metode analisis, dan variabel yang dibutuhkan." }),
      agreementBox,
      h("label", { class: "choice" }, h("input", { type: "checkbox", name: "agreement_accepted", id: "agreement", required: true }),
        agreementLabel)) : null,
    paid || micro ? h("div", { class: "field" }, h("label", { class: "choice" }, zeroToggle,
      h("span", {}, "Saya mengajukan pembebasan biaya (transaksi nol rupiah)"))) : null,
    paid || micro ? zeroBox : null,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "order-submit" }, "Ajukan permintaan data")));
  replace(main, pageHeader("Keranjang & pemesanan", "Periksa data yang dipilih lalu ajukan permintaan."),
    card("Keranjang", cartTable(items, () => render(main, ctx))),
    loggedIn() ? form : h("div", { class: "card" }, h("p", {}, "Masuk untuk mengajukan permintaan data. Keranjang Anda tetap tersimpan."),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn", id: "order-login", onclick: () => login() }, "Masuk"),
        h("button", { type: "button", class: "btn btn-secondary", onclick: () => login("#/keranjang", { signup: true }) }, "Daftar akun"))));
  if (!loggedIn()) return;
  let pendingFile = null;
  const { draft } = requestForm(form, "order", (f) => {
    const body = { kind: "data_order", items: items.map((i) => ({ catalog_id: i.id })), purpose: text(f, "purpose") };
    if (text(f, "custom_request")) body.custom_request = text(f, "custom_request");
    if (micro) {
      body.abstract = text(f, "abstract");
      if (f.get("agreement_accepted") !== "on" || !agreementVersion) {
        throw new Error("Baca dan setujui perjanjian penggunaan mikrodata terlebih dahulu.");
      }
      body.agreement_version = agreementVersion;
      body.project = { title: text(f, "project_title"), institution: text(f, "project_institution"),
        purpose: text(f, "project_purpose"), outputs: text(f, "project_outputs") };
      if (Object.values(body.project).some((v) => !v)) throw new Error("Lengkapi rincian proyek mikrodata.");
    }
    const zeroFile = zeroToggle.checked ? form.querySelector("#zero-file").files[0] : null;
    if (zeroFile && att.problem(zeroFile)) throw new Error(att.problem(zeroFile));
    pendingFile = zeroFile || null;
    if (zeroToggle.checked) {
      // ticked but left empty would silently bill the order: say what is missing instead
      if (!text(f, "zero_rupiah_justification")) {
        throw new Error("Tuliskan dasar pembebasan biaya, atau hapus centang pengajuan pembebasan biaya.");
      }
      body.zero_rupiah_justification = text(f, "zero_rupiah_justification");
    }
    if (!body.items.length && !body.custom_request) {
      throw new Error("Keranjang kosong: pilih data dari katalog atau isi permintaan data khusus.");
    }
    return body;
  }, { onDone: (req) => {
    clearCart();
    if (!pendingFile) return;
    // the justification letter goes to the new request (declared, uploaded, verified) while its page opens
    att.upload(req.request_id, pendingFile, "zero_rupiah_justification")
      .then((a) => toast(a.status === "ready" ? "Surat pendukung terunggah dan terverifikasi." : `Surat pendukung ditolak: ${a.reject_reason || ""}`,
        a.status === "ready" ? "success" : "error"))
      .catch(() => toast("Surat pendukung gagal diunggah; unggah ulang di bagian Lampiran.", "error"));
  } });
  showZero();
  const note = draftNotice(draft.restored);
  if (note) form.prepend(note);
}
