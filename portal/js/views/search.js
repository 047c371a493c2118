// Hasil pencarian: the whole search lives in the address, so a result page can be shared or bookmarked:
// #/cari?q=&type=a,b&subject=&province=&regency=&region=&year=&urut=&page=
// Facets are multi-select (checkboxes; OR within a facet, AND across facets) and every sort order is the
// server's (relevance, newest release, title A–Z), so it holds across pages.
import { h, replace } from "../dom.js";
import { pub, post, errorText } from "../api.js";
import { ITEM_TYPE, ACCESS, number, rupiah, date } from "../fmt.js";
import { pageHeader, loading, errorBox, emptyState, select, toast } from "../ui.js";
import { addToCart, inCart } from "../store.js";
import { searchForm } from "./home.js";
import { loggedIn } from "../auth.js";

const PAGE_SIZE = 10;
const FACET_SHOWN = 40; // values listed per facet (the most frequent first; the selected ones always)
// [URL/API key, heading]; `region` (an exact region) is not offered as a facet but is kept when a link carries it
const FACETS = [["type", "Jenis data"], ["subject", "Subjek"], ["province", "Provinsi"],
  ["regency", "Kabupaten/Kota"], ["year", "Tahun"]];
const FILTERS = [...FACETS, ["region", "Wilayah"]];
// [value in the address, label, API sort]
const SORTS = [["", "Relevansi", "relevance"], ["terbaru", "Rilis terbaru", "newest"], ["judul", "Judul A–Z", "title"]];
const KEYS = ["q", ...FILTERS.map(([k]) => k), "urut", "page"];

/** The selected values of one facet in the address (comma-separated). */
export function selected(query, key) {
  return (query.get(key) || "").split(",").map((v) => v.trim()).filter(Boolean);
}

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

function toggled(query, key, value, on) {
  const values = selected(query, key).filter((v) => v !== value);
  if (on) values.push(value);
  return hrefWith(query, { [key]: values.join(",") });
}

function sortOf(query) {
  const entry = SORTS.find(([v]) => v === (query.get("urut") || ""));
  return entry || SORTS[0];
}

export function accessBadge(access) {
  return access ? h("span", { class: `badge badge-${access}` }, ACCESS[access] || access) : null;
}

function resultItem(item) {
  // the accessible name starts with the visible words (WCAG 2.5.3 label in name) and follows them
  const add = h("button", { type: "button", class: "btn btn-secondary btn-small", "data-add": item.id });
  const show = (text) => { add.textContent = text; add.setAttribute("aria-label", `${text}: ${item.title}`); };
  show(inCart(item.id) ? "Di keranjang" : "Tambah ke keranjang");
  add.disabled = inCart(item.id);
  add.addEventListener("click", () => {
    if (addToCart(item)) { show("Di keranjang"); add.disabled = true; toast("Ditambahkan ke keranjang"); }
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

const label = (key, v) => (key === "type" ? ITEM_TYPE[v] || v : v);

/** One facet: a group of checkboxes; ticking one goes to the address with the value added (or removed). */
function facetBlock(key, title, counts, query) {
  const current = selected(query, key);
  const entries = Object.entries(counts || {});
  for (const v of current) if (!entries.some(([e]) => e === v)) entries.push([v, 0]);
  if (!entries.length) {
    return h("details", { "data-facet": key }, h("summary", {}, title),
      h("p", { class: "muted small facet-list" }, "Tidak ada pilihan."));
  }
  const shown = entries.filter(([v], i) => i < FACET_SHOWN || current.includes(v));
  const boxes = shown.map(([v, n], i) => {
    const id = `facet-${key}-${i}`;
    const box = h("input", { type: "checkbox", id, name: key, value: v, checked: current.includes(v) });
    box.addEventListener("change", () => { window.location.hash = toggled(query, key, v, box.checked); });
    return h("li", {}, h("label", { for: id, class: "facet-option" }, box,
      h("span", { class: "facet-label" }, label(key, v)), h("span", { class: "muted facet-count" }, number(n))));
  });
  return h("details", { open: current.length > 0, "data-facet": key },
    h("summary", {}, current.length ? `${title} (${current.length})` : title),
    h("fieldset", { class: "facet-group" }, h("legend", { class: "visually-hidden" }, title),
      h("ul", { class: "facet-list" }, boxes)));
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
  const activeCount = FILTERS.reduce((n, [k]) => n + selected(query, k).length, 0);
  // phones: the filters fold into one "Saring hasil" toggle so the results come first; wide screens: a sidebar
  const wide = window.matchMedia("(min-width: 760px)").matches;
  const filterToggle = (blocks) => h("details", { class: "filter-toggle", open: wide, id: "filters" },
    h("summary", {}, `Saring hasil${activeCount ? ` (${activeCount} aktif)` : ""}`), blocks);
  const facetsBox = h("aside", { class: "facets", "aria-label": "Saring hasil" },
    filterToggle(FACETS.map(([k, t]) => h("details", { open: selected(query, k).length > 0 }, h("summary", {}, t),
      h("p", { class: "muted small facet-list" }, "Memuat…")))));
  replace(main, pageHeader(q ? `Hasil pencarian “${q}”` : "Cari data"), searchForm(q, "search-q"),
    h("div", { class: "search-layout" }, facetsBox, results));
  const [sortValue, , apiSort] = sortOf(query);
  const params = { q, page, page_size: PAGE_SIZE, sort: apiSort };
  for (const [k] of FILTERS) if (selected(query, k).length) params[k] = selected(query, k).join(",");
  let res;
  try {
    res = await pub("/catalog/search", params);
  } catch (err) {
    replace(results, errorBox(err, { retry: () => render(main, ctx) }));
    replace(facetsBox);
    return;
  }
  if (!ctx.isCurrent()) return;
  const active = FILTERS.flatMap(([k, t]) => selected(query, k).map((v) =>
    h("li", {}, h("a", { class: "chip", href: toggled(query, k, v, false), "aria-label": `Hapus saringan ${t}: ${label(k, v)}` },
      `${t}: ${label(k, v)} ×`))));
  if (active.length > 1) {
    const clear = {};
    for (const [k] of FILTERS) clear[k] = "";
    active.push(h("li", {}, h("a", { class: "chip chip-clear", href: hrefWith(query, clear) }, "Hapus semua saringan")));
  }
  const wasOpen = facetsBox.querySelector("#filters").open;
  replace(facetsBox, filterToggle(FACETS.map(([k, t]) => facetBlock(k, t, (res.facets || {})[k], query))));
  facetsBox.querySelector("#filters").open = wasOpen;
  const sort = select(SORTS.map(([v, text]) => [v, text]), { id: "sort", name: "urut" }, sortValue);
  sort.addEventListener("change", () => { window.location.hash = hrefWith(query, { urut: sort.value }); });
  const pages = Math.ceil(res.total / PAGE_SIZE);
  const saveQuery = { q, type: params.type, subject: params.subject, region: params.region };
  const save = loggedIn() && (q || params.type || params.subject || params.region)
    ? h("button", { type: "button", class: "btn btn-secondary btn-small", id: "save-search", onclick: async (ev) => {
      try {
        await post("/me/subscriptions", { query: Object.fromEntries(Object.entries(saveQuery).filter(([, v]) => v)) });
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
      ? h("ul", { class: "results" }, res.items.map(resultItem))
      : emptyState("Tidak ada data yang cocok. Coba kata kunci lain atau hapus saringan.",
        h("a", { class: "btn btn-secondary", href: "#/konsultasi" }, "Tanyakan kepada petugas")),
    pager(query, page, Math.min(pages, 1000)));
}
