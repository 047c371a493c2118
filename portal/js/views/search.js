// Hasil pencarian: the query lives in the address (#/cari?q=&type=&subject=&region=&year=&page=&urut=), so a
// result page can be shared or bookmarked. Facets from the API; sort orders the shown page (the API ranks).
import { h, replace } from "../dom.js";
import { pub, post, errorText } from "../api.js";
import { ITEM_TYPE, ACCESS, number, rupiah, date } from "../fmt.js";
import { pageHeader, loading, errorBox, emptyState, select, toast } from "../ui.js";
import { addToCart, inCart } from "../store.js";
import { searchForm } from "./home.js";
import { loggedIn } from "../auth.js";

const PAGE_SIZE = 10;
const FACETS = [["type", "Jenis data"], ["subject", "Subjek"], ["region", "Wilayah"], ["year", "Tahun"]];
const SORTS = [["", "Relevansi"], ["terbaru", "Rilis terbaru"], ["terlama", "Rilis terlama"],
  ["harga", "Harga terendah"], ["judul", "Judul A–Z"]];
const KEYS = ["q", "type", "subject", "region", "year", "page", "urut"];

function hrefWith(query, changes) {
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = k in changes ? changes[k] : query.get(k);
    if (v !== null && v !== undefined && v !== "") p.set(k, String(v));
  }
  if (!("page" in changes)) p.delete("page");
  const s = p.toString();
  return `#/cari${s ? "?" + s : ""}`;
}

function sortItems(items, how) {
  const out = items.slice();
  if (how === "terbaru") out.sort((a, b) => String(b.release_date || "").localeCompare(String(a.release_date || "")));
  else if (how === "terlama") out.sort((a, b) => String(a.release_date || "").localeCompare(String(b.release_date || "")));
  else if (how === "harga") out.sort((a, b) => a.price_idr - b.price_idr);
  else if (how === "judul") out.sort((a, b) => a.title.localeCompare(b.title, "id"));
  return out;
}

export function accessBadge(access) {
  return access ? h("span", { class: `badge badge-${access}` }, ACCESS[access] || access) : null;
}

function resultItem(item) {
  const add = h("button", { type: "button", class: "btn btn-secondary btn-small", "data-add": item.id,
    "aria-label": `Tambahkan ke keranjang: ${item.title}` }, inCart(item.id) ? "Di keranjang" : "Tambah ke keranjang");
  add.disabled = inCart(item.id);
  add.addEventListener("click", () => {
    if (addToCart(item)) { add.textContent = "Di keranjang"; add.disabled = true; toast("Ditambahkan ke keranjang"); }
    else toast("Keranjang penuh (maksimal 50 data).", "error");
  });
  return h("li", { class: "result", "data-id": item.id },
    h("h2", {}, h("a", { href: `#/katalog/${encodeURIComponent(item.id)}` }, item.title)),
    h("ul", { class: "meta" },
      h("li", {}, ITEM_TYPE[item.type] || item.type), h("li", {}, item.subject), h("li", {}, item.region),
      h("li", {}, String(item.year)), item.release_date ? h("li", {}, `Rilis ${date(item.release_date)}`) : null),
    h("div", { class: "toolbar" },
      h("span", {}, accessBadge(item.access), " ",
        h("strong", {}, item.price_idr ? rupiah(item.price_idr) : "Gratis")),
      add));
}

function facetBlock(key, title, counts, query) {
  const current = query.get(key) || "";
  const entries = Object.entries(counts || {});
  if (!entries.length) return h("details", {}, h("summary", {}, title), h("p", { class: "muted small facet-list" }, "Tidak ada pilihan."));
  const label = (v) => (key === "type" ? ITEM_TYPE[v] || v : v);
  return h("details", { open: Boolean(current) },
    h("summary", {}, title),
    h("ul", { class: "facet-list" }, entries.slice(0, 40).map(([v, n]) =>
      h("li", {}, h("a", { href: hrefWith(query, { [key]: current === v ? "" : v }), "aria-current": current === v ? "true" : null },
        h("span", {}, label(v)), h("span", { class: "muted" }, number(n)))))));
}

function pager(query, page, pages) {
  if (pages <= 1) return null;
  const nums = new Set([1, pages, page - 1, page, page + 1].filter((n) => n >= 1 && n <= pages));
  const list = [...nums].sort((a, b) => a - b);
  const items = [];
  if (page > 1) items.push(h("li", {}, h("a", { href: hrefWith(query, { page: page - 1 }), rel: "prev" }, "‹ Sebelumnya")));
  let last = 0;
  for (const n of list) {
    if (n - last > 1) items.push(h("li", {}, h("span", { "aria-hidden": "true" }, "…")));
    items.push(h("li", {}, n === page ? h("span", { "aria-current": "page" }, String(n))
      : h("a", { href: hrefWith(query, { page: n }), "aria-label": `Halaman ${n}` }, String(n))));
    last = n;
  }
  if (page < pages) items.push(h("li", {}, h("a", { href: hrefWith(query, { page: page + 1 }), rel: "next" }, "Berikutnya ›")));
  return h("nav", { "aria-label": "Halaman hasil" }, h("ul", { class: "pager" }, items));
}

export async function render(main, ctx) {
  const { query } = ctx;
  const q = query.get("q") || "";
  const page = Math.max(1, Math.min(1000, Number(query.get("page")) || 1));
  const results = h("div", { id: "results", "aria-live": "polite" }, loading("Mencari…"));
  // phones: the filters fold into one "Saring hasil" toggle so the results come first; wide screens: a sidebar
  const wide = window.matchMedia("(min-width: 760px)").matches;
  const filterToggle = (blocks) => h("details", { class: "filter-toggle", open: wide, id: "filters" },
    h("summary", {}, `Saring hasil${FACETS.some(([k]) => query.get(k)) ? ` (${FACETS.filter(([k]) => query.get(k)).length} aktif)` : ""}`),
    blocks);
  const facetsBox = h("aside", { class: "facets", "aria-label": "Saring hasil" },
    filterToggle(FACETS.map(([k, t]) => h("details", { open: Boolean(query.get(k)) }, h("summary", {}, t),
      h("p", { class: "muted small facet-list" }, "Memuat…")))));
  replace(main, pageHeader(q ? `Hasil pencarian “${q}”` : "Cari data"), searchForm(q, "search-q"),
    h("div", { class: "search-layout" }, facetsBox, results));
  const params = { q, type: query.get("type"), subject: query.get("subject"), region: query.get("region"),
    year: query.get("year"), page, page_size: PAGE_SIZE };
  let res;
  try {
    res = await pub("/catalog/search", params);
  } catch (err) {
    replace(results, errorBox(err, { retry: () => render(main, ctx) }));
    replace(facetsBox);
    return;
  }
  if (!ctx.isCurrent()) return;
  const active = FACETS.filter(([k]) => query.get(k)).map(([k, t]) =>
    h("li", {}, h("a", { class: "chip", href: hrefWith(query, { [k]: "" }), "aria-label": `Hapus saringan ${t}` },
      `${t}: ${k === "type" ? ITEM_TYPE[query.get(k)] || query.get(k) : query.get(k)} ×`)));
  const wasOpen = facetsBox.querySelector("#filters").open;
  replace(facetsBox, filterToggle(FACETS.map(([k, t]) => facetBlock(k, t, (res.facets || {})[k], query))));
  facetsBox.querySelector("#filters").open = wasOpen;
  const sort = select(SORTS, { id: "sort", name: "urut" }, query.get("urut") || "");
  sort.addEventListener("change", () => { window.location.hash = hrefWith(query, { urut: sort.value, page: page }); });
  const pages = Math.ceil(res.total / PAGE_SIZE);
  const save = loggedIn() && (q || params.type || params.subject || params.region)
    ? h("button", { type: "button", class: "btn btn-secondary btn-small", id: "save-search", onclick: async (ev) => {
      try {
        await post("/me/subscriptions", { query: { q, type: params.type || undefined, subject: params.subject || undefined,
          region: params.region || undefined } });
        ev.target.disabled = true;
        toast("Pencarian disimpan. Anda akan diberi tahu bila ada rilis baru yang cocok.");
      } catch (err) { toast(errorText(err), "error"); }
    } }, "Simpan pencarian & beri tahu saya") : null;
  const faq = (res.faq || []).length ? h("section", { class: "card", "aria-labelledby": "faq-hits" },
    h("h2", { id: "faq-hits" }, "Mungkin menjawab pertanyaan Anda"),
    res.faq.slice(0, 3).map((f) => h("details", {}, h("summary", {}, f.question), h("p", {}, f.answer)))) : null;
  replace(results,
    h("div", { class: "toolbar" },
      h("p", { id: "result-count", role: "status" }, `${number(res.total)} data ditemukan`,
        pages > 1 ? ` · halaman ${page} dari ${number(pages)}` : ""),
      h("span", {}, h("label", { for: "sort" }, "Urutkan "), sort)),
    active.length ? h("ul", { class: "chips", "aria-label": "Saringan aktif" }, active) : null,
    save, faq,
    res.items.length
      ? h("ul", { class: "results" }, sortItems(res.items, query.get("urut")).map(resultItem))
      : emptyState("Tidak ada data yang cocok. Coba kata kunci lain atau hapus saringan.",
        h("a", { class: "btn btn-secondary", href: "#/konsultasi" }, "Tanyakan kepada petugas")),
    pager(query, page, Math.min(pages, 1000)),
    query.get("urut") ? h("p", { class: "hint" }, "Urutan berlaku untuk data di halaman ini; antarhalaman diurutkan menurut relevansi.") : null);
}
