// Keranjang & pemesanan: catalog items from the cart, purpose; microdata → data-use agreement + abstract;
// zero-rupiah justification; a custom-data request (with or without catalog items).
import { h, replace } from "../dom.js";
import { pageHeader, field, card, emptyState, alertBox } from "../ui.js";
import { cart, removeFromCart, clearCart } from "../store.js";
import { ITEM_TYPE, rupiah, terbilang } from "../fmt.js";
import { loggedIn, login } from "../auth.js";
import { requestForm, text, draftNotice } from "./forms.js";

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
      { hint: "Sebutkan dasar peraturan dan nomor surat (misalnya kerja sama instansi pemerintah atau penelitian skripsi/tesis). Petugas meminta lampiran dokumen melalui percakapan bila diperlukan." }));
  const zeroToggle = h("input", { type: "checkbox", name: "zero_rupiah", id: "zero-rupiah" });
  const showZero = () => { zeroBox.hidden = !zeroToggle.checked; };
  zeroToggle.addEventListener("change", showZero);
  const form = h("form", { id: "order-form", class: "card" },
    h("h2", {}, "Data pesanan"),
    field("Tujuan penggunaan data", h("textarea", { name: "purpose", maxlength: 5000, rows: 3 }), { required: true,
      hint: "Misalnya: penelitian tesis tentang ketimpangan pendapatan di Jawa Barat." }),
    field("Permintaan data khusus (opsional)", h("textarea", { name: "custom_request", maxlength: 5000, rows: 3 }), {
      hint: "Data yang belum terbit atau tabulasi khusus: sebutkan variabel, wilayah, dan periode." }),
    micro ? h("fieldset", { id: "micro-box" }, h("legend", {}, "Mikrodata"),
      alertBox("warn", "Pesanan berisi mikrodata. Abstraksi rencana penggunaan ditinjau petugas sebelum tagihan terbit."),
      field("Abstraksi rencana penelitian", h("textarea", { name: "abstract", maxlength: 5000, rows: 5 }), { required: true,
        hint: "Judul, tujuan, metode analisis, dan variabel yang dibutuhkan." }),
      h("label", { class: "choice" }, h("input", { type: "checkbox", name: "agreement_accepted", id: "agreement", required: true }),
        h("span", {}, "Saya menyetujui perjanjian penggunaan mikrodata: data hanya untuk tujuan yang disebutkan, tidak disebarluaskan, dan identitas responden dijaga kerahasiaannya."))) : null,
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
  const { draft } = requestForm(form, "order", (f) => {
    const body = { kind: "data_order", items: items.map((i) => ({ catalog_id: i.id })), purpose: text(f, "purpose") };
    if (text(f, "custom_request")) body.custom_request = text(f, "custom_request");
    if (micro) {
      body.abstract = text(f, "abstract");
      body.agreement_accepted = f.get("agreement_accepted") === "on";
    }
    if (zeroToggle.checked && text(f, "zero_rupiah_justification")) body.zero_rupiah_justification = text(f, "zero_rupiah_justification");
    if (!body.items.length && !body.custom_request) {
      throw new Error("Keranjang kosong: pilih data dari katalog atau isi permintaan data khusus.");
    }
    return body;
  }, { onDone: () => clearCart() });
  showZero();
  const note = draftNotice(draft.restored);
  if (note) form.prepend(note);
}
