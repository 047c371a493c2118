// Beranda: search first, the five kinds of data, the services, the next releases.
import { h, replace } from "../dom.js";
import { pub } from "../api.js";
import { ITEM_TYPE, date, localDay } from "../fmt.js";
import { card } from "../ui.js";

export function searchForm(q = "", id = "home-q") {
  const input = h("input", { type: "search", name: "q", id, value: q, autocomplete: "off", enterkeyhint: "search",
    placeholder: "mis. penduduk Jawa Barat 2023" });
  const form = h("form", { class: "searchbar", role: "search", "aria-label": "Cari data statistik" },
    h("label", { for: id, class: "visually-hidden" }, "Kata kunci"), input,
    h("button", { type: "submit", class: "btn", id: `${id}-submit` }, "Cari"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    window.location.hash = `#/cari${params.toString() ? "?" + params : ""}`;
  });
  return form;
}

export async function render(main) {
  const upcoming = h("div", { id: "home-releases" }, h("p", { class: "muted" }, "Memuat jadwal rilis…"));
  replace(main,
    h("section", { class: "hero", "aria-labelledby": "page-title" },
      h("h1", { id: "page-title", tabindex: "-1" }, "Data statistik resmi, mudah dan cepat"),
      h("p", { class: "lead" }, "Cari tabel, publikasi, mikrodata, dan peta. Konsultasi gratis, pesan data, bayar melalui SIMPONI."),
      searchForm()),
    h("section", { "aria-labelledby": "home-types", class: "card" },
      h("h2", { id: "home-types" }, "Jelajahi menurut jenis data"),
      h("ul", { class: "tiles" }, Object.entries(ITEM_TYPE).map(([k, v]) =>
        h("li", {}, h("a", { href: `#/cari?type=${k}` }, v))))),
    h("div", { class: "grid grid-3" },
      card("Konsultasi gratis", h("p", {}, "Tanya data, metadata, atau klasifikasi kepada petugas kami."),
        h("a", { class: "btn btn-secondary", href: "#/konsultasi" }, "Ajukan konsultasi")),
      card("Pesan data", h("p", {}, "Masukkan data ke keranjang, ajukan permintaan, bayar, lalu unduh."),
        h("a", { class: "btn btn-secondary", href: "#/cari" }, "Mulai mencari")),
      card("Pengaduan", h("p", {}, "Sampaikan keluhan tentang layanan; kami tanggapi dalam 2 hari kerja."),
        h("a", { class: "btn btn-secondary", href: "#/pengaduan" }, "Sampaikan pengaduan"))),
    card("Rilis dalam 30 hari ke depan", upcoming, h("a", { href: "#/kalender" }, "Lihat kalender rilis lengkap")));
  const today = localDay();
  const plus30 = localDay(new Date(Date.now() + 30 * 86400000));
  try {
    const cal = await pub("/catalog/releases", { from: today, to: plus30 });
    const items = (cal.items || []).slice(0, 5);
    replace(upcoming, items.length
      ? h("ul", {}, items.map((i) => h("li", {}, h("a", { href: `#/katalog/${encodeURIComponent(i.id)}` }, i.title),
        h("span", { class: "muted small" }, ` — ${date(i.release_date)}`))))
      : h("p", { class: "muted" }, "Belum ada rilis terjadwal dalam 30 hari ke depan."));
  } catch {
    replace(upcoming, h("p", { class: "muted" }, "Jadwal rilis belum dapat dimuat."));
  }
}
