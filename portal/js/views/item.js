// Detail data: abstract, coverage, format, size, price, access level, release date; cart, consult, follow a series;
// the item's data files: "Unduh" at once for open data (issue 19), delivered automatically with an order otherwise.
import { h, replace } from "../dom.js";
import { pub, pubPost, post, errorText } from "../api.js";
import { ITEM_TYPE, LEVEL, rupiah, bytes, date } from "../fmt.js";
import { pageHeader, loading, errorBox, facts, toast, card, alertBox } from "../ui.js";
import { addToCart, inCart } from "../store.js";
import { loggedIn, login } from "../auth.js";
import { accessBadge } from "./search.js";

export async function render(main, ctx) {
  const id = ctx.parts[1] || "";
  replace(main, loading("Memuat detail data…"));
  let item;
  let files = [];
  try {
    [item, files] = await Promise.all([pub(`/catalog/items/${encodeURIComponent(id)}`),
      pub(`/catalog/items/${encodeURIComponent(id)}/files`).catch(() => [])]);
  } catch (err) {
    replace(main, h("h1", { id: "page-title", tabindex: "-1" }, "Detail data"), errorBox(err, { retry: () => render(main, ctx) }));
    return;
  }
  const add = h("button", { type: "button", class: "btn", id: "add-to-cart" }, inCart(item.id) ? "Sudah di keranjang" : "Tambah ke keranjang");
  add.disabled = inCart(item.id) || item.status !== "published";
  add.addEventListener("click", () => {
    if (addToCart(item)) { add.textContent = "Sudah di keranjang"; add.disabled = true; toast("Ditambahkan ke keranjang"); }
    else toast("Keranjang penuh (maksimal 50 data).", "error");
  });
  const follow = item.series_id ? h("button", { type: "button", class: "btn btn-secondary", id: "follow-series",
    onclick: async (ev) => {
      if (!loggedIn()) { login(); return; }
      try {
        await post("/me/subscriptions", { series_id: item.series_id });
        ev.target.disabled = true;
        toast("Anda akan diberi tahu saat seri ini merilis data baru.");
      } catch (err) { toast(errorText(err), "error"); }
    } }, "Ikuti seri ini") : null;
  const access = {
    open: files.length ? "Data terbuka dan gratis: unduh langsung di bawah ini, tanpa perlu masuk."
      : "Data terbuka dan gratis. Pesan melalui keranjang tanpa biaya.",
    paid: "Data berbayar sesuai tarif PNBP. Setelah pesanan dibuat, Anda menerima kode billing SIMPONI."
      + (files.length ? " Berkas dikirim otomatis begitu pembayaran diterima." : ""),
    restricted: "Mikrodata: perlu persetujuan penggunaan data dan abstraksi rencana penelitian yang ditinjau petugas sebelum tagihan terbit.",
  }[item.access];
  replace(main,
    h("p", { class: "small" }, h("a", { href: "#/cari" }, "‹ Kembali ke pencarian")),
    pageHeader(item.title, `${ITEM_TYPE[item.type] || item.type} · ${item.subject}`),
    item.status === "planned" ? alertBox("info", `Data ini dijadwalkan rilis pada ${date(item.release_date)}.`) : null,
    item.status === "withdrawn" ? alertBox("warn", "Data ini sudah ditarik dan tidak dapat dipesan.") : null,
    h("div", { class: "grid grid-2" },
      card("Ringkasan", h("p", {}, item.abstract || "Belum ada abstrak untuk data ini.")),
      card("Keterangan",
        facts([
          ["Jenis", ITEM_TYPE[item.type] || item.type],
          ["Subjek", item.subject],
          ["Cakupan wilayah", `${item.region} (${LEVEL[item.level] || item.level})`],
          ["Periode", item.period || String(item.year)],
          ["Tahun", String(item.year)],
          ["Format", String(item.format || "").toUpperCase()],
          ["Ukuran", bytes(item.size_bytes)],
          ["Harga", item.price_idr ? rupiah(item.price_idr) : "Gratis"],
          ["Akses", accessBadge(item.access)],
          ["Tanggal rilis", date(item.release_date)],
        ]))),
    access ? alertBox(item.access === "restricted" ? "warn" : "info", access) : null,
    files.length && item.status === "published" ? filesCard(item, files) : null,
    h("div", { class: "actions" }, add,
      h("a", { class: "btn btn-secondary", href: `#/konsultasi?subjek=${encodeURIComponent(item.title.slice(0, 180))}` },
        "Tanyakan data ini"),
      follow, h("a", { class: "btn btn-secondary", href: "#/keranjang" }, "Lihat keranjang")));
}

function filesCard(item, files) {
  const status = h("p", { class: "small", id: "file-status", role: "status", "aria-live": "polite" }, "");
  const rows = files.map((f) => {
    const label = `Unduh ${f.filename}`;
    const action = f.downloadable
      ? h("button", { type: "button", class: "btn", "data-file": f.file_id, onclick: (ev) => fetchFile(ev.target, item, f, status) },
        label)
      : h("span", { class: "small" }, "Dikirim otomatis setelah pesanan " + (item.price_idr ? "lunas" : "dibuat"));
    return h("li", { class: "result" },
      h("p", {}, h("strong", {}, f.filename), " ", h("span", { class: "small" }, `(${bytes(f.size_bytes)})`)),
      h("p", { class: "small" }, h("span", { title: `SHA-256 lengkap: ${f.sha256}` },
        `SHA-256 ${f.sha256.slice(0, 16)}…`)),
      action);
  });
  return card("Berkas data", h("ul", { class: "results", id: "item-files" }, rows), status);
}

async function fetchFile(button, item, f, status) {
  const path = `/catalog/items/${encodeURIComponent(item.id)}/files/${encodeURIComponent(f.file_id)}/download`;
  button.disabled = true;
  status.textContent = `Menyiapkan unduhan ${f.filename}…`;
  try {
    const link = await (loggedIn() ? post(path) : pubPost(path));
    status.textContent = `Unduhan ${f.filename} dimulai. Tautan berlaku singkat; klik lagi bila perlu.`;
    window.location.assign(link.download_url);
  } catch (err) {
    status.textContent = `Gagal: ${errorText(err)}`;
  } finally {
    button.disabled = false;
  }
}
