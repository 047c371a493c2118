// Release calendar ("Kalender Rilis"): planned and published releases of one month (GET /catalog/releases) in a
// Monday–Sunday grid. A release opens its details; producers and admins publish a planned item from there
// (POST /ops/catalog/items/{id}/publish). Every value is put in the page as text (dom.js h()), never as HTML.
import { h, replace, clear, link } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { hasRole } from "../auth.js";
import { pageHeader, errorBox, loading, select, busy, toast, announce, card, emptyState, dl, pill } from "../ui.js";

const MAX_PER_DAY = 3;
const monthFmt = new Intl.DateTimeFormat("id-ID", { month: "long", year: "numeric", timeZone: "UTC" });
const WEEKDAYS = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"];
const WEEKDAYS_LONG = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];

function monthStart(day) {
  return `${day.slice(0, 7)}-01`;
}
function addMonths(first, n) {
  const [y, m] = first.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 10);
}
function monthEnd(first) {
  return fmt.addDays(addMonths(first, 1), -1);
}
function monthLabel(first) {
  const [y, m] = first.split("-").map(Number);
  const text = monthFmt.format(new Date(Date.UTC(y, m - 1, 1)));
  return text.charAt(0).toUpperCase() + text.slice(1);
}
/** "Selasa, 1 Desember 2026" for a YYYY-MM-DD release day (noon WIB: the same day in any time zone). */
function dayLabel(day) {
  return fmt.dateLong(`${day}T12:00:00+07:00`);
}

function statusPill(status) {
  return pill(fmt.label(fmt.ITEM_STATUS, status), status === "planned" ? "rel-planned" : "rel-published");
}

export async function render(view, _params, ctx) {
  const canPublish = hasRole(ctx.user, "producer", "admin");
  const isAdmin = hasRole(ctx.user, "admin");
  let month = monthStart(fmt.localDay());
  let items = [];
  let selected = null; // a day (YYYY-MM-DD) or an item id shown in the detail panel

  const prev = h("button", { type: "button", class: "btn btn-secondary", id: "rel-prev", "aria-label": "Bulan sebelumnya" },
    "‹ Sebelumnya");
  const next = h("button", { type: "button", class: "btn btn-secondary", id: "rel-next", "aria-label": "Bulan berikutnya" },
    "Berikutnya ›");
  const thisMonth = h("button", { type: "button", class: "btn btn-ghost", id: "rel-today" }, "Bulan ini");
  const label = h("span", { class: "week-label", id: "rel-month", "aria-live": "polite" });
  const status = select([["", "Semua status"], ["planned", "Direncanakan"], ["published", "Terbit"]],
    { id: "rel-status", "aria-label": "Status rilis" });
  const type = select([["", "Semua jenis"], ...Object.entries(fmt.ITEM_TYPE)], { id: "rel-type", "aria-label": "Jenis data" });
  view.append(pageHeader("Kalender Rilis", "Jadwal rilis data: item katalog yang direncanakan terbit beserta tanggal "
    + "rilisnya, dan yang sudah terbit. Item yang direncanakan terbit otomatis pada tanggal rilisnya"
    + (canPublish ? "; produsen data dapat menerbitkannya lebih awal." : ".")),
  h("div", { class: "toolbar" }, prev, label, next, thisMonth, status, type));

  const summary = h("p", { class: "muted small", id: "rel-summary", "aria-live": "polite" });
  const grid = h("div", { id: "rel-grid" }, loading("Memuat kalender…"));
  const detail = h("div", { id: "rel-detail" });
  view.append(card("Kalender", summary, grid), detail);

  function byDay() {
    const map = new Map();
    for (const it of items) {
      if (!map.has(it.release_date)) map.set(it.release_date, []);
      map.get(it.release_date).push(it);
    }
    return map;
  }

  function chip(it) {
    const b = h("button", { type: "button", class: ["rel-chip", `rel-${it.status}`], dataset: { id: it.id },
      title: it.title }, h("span", { class: "rel-chip-text" }, it.title));
    b.addEventListener("click", () => { selected = it.id; drawDetail(); });
    return b;
  }

  function drawGrid() {
    label.textContent = monthLabel(month);
    const days = byDay();
    const first = month;
    const last = monthEnd(month);
    const start = fmt.mondayOf(first);
    const today = fmt.localDay();
    const weeks = [];
    for (let w = start; w <= last; w = fmt.addDays(w, 7)) weeks.push(w);
    const planned = items.filter((i) => i.status === "planned").length;
    summary.textContent = `${monthLabel(month)}: ${fmt.number(items.length)} rilis — ${fmt.number(planned)} direncanakan, `
      + `${fmt.number(items.length - planned)} terbit.`;
    const table = h("table", { class: "table cal-table", id: "rel-table" },
      h("caption", { class: "visually-hidden" }, `Kalender rilis ${monthLabel(month)}`),
      h("thead", {}, h("tr", {}, WEEKDAYS.map((d, i) => h("th", { scope: "col", abbr: WEEKDAYS_LONG[i] }, d)))),
      h("tbody", {}, weeks.map((w) => h("tr", {}, Array.from({ length: 7 }, (_, i) => {
        const day = fmt.addDays(w, i);
        const inMonth = day >= first && day <= last;
        const list = days.get(day) || [];
        const cls = ["cal-cell", inMonth ? "" : "cal-out", day === today ? "is-today" : "", list.length ? "has-rel" : ""];
        if (!inMonth) return h("td", { class: cls, "aria-hidden": "true" });
        const more = list.length > MAX_PER_DAY
          ? h("button", { type: "button", class: "cal-more", "aria-label": `Semua ${list.length} rilis ${dayLabel(day)}` },
            `+${list.length - MAX_PER_DAY} lainnya`) : null;
        if (more) more.addEventListener("click", () => { selected = day; drawDetail(); });
        return h("td", { class: cls, dataset: { day } },
          h("div", { class: "cal-day" }, h("span", { class: "cal-num" }, String(Number(day.slice(8)))),
            list.length ? h("span", { class: "visually-hidden" }, ` ${dayLabel(day)}: ${list.length} rilis`) : null),
          list.slice(0, MAX_PER_DAY).map(chip), more);
      })))));
    replace(grid, h("div", { class: "table-wrap" }, table),
      h("p", { class: "legend small muted" }, h("span", { class: "rel-chip rel-planned" }, "direncanakan"), " ",
        h("span", { class: "rel-chip rel-published" }, "terbit"), " · pilih rilis untuk melihat rinciannya"));
  }

  function itemCard(it) {
    const facts = dl([
      ["Kode", h("code", {}, it.id)],
      ["Status", statusPill(it.status)],
      ["Tanggal rilis", dayLabel(it.release_date)],
      ["Jenis", fmt.label(fmt.ITEM_TYPE, it.type)],
      ["Subjek", it.subject],
      ["Wilayah", `${it.region} (${it.region_code})`],
      ["Periode", it.period || String(it.year)],
      ["Seri", it.series_id || "—"],
      ["Tarif", it.price_idr ? fmt.rupiah(it.price_idr) : "Gratis"],
      ["Akses", fmt.label(fmt.ACCESS, it.access)],
    ]);
    const actions = h("div", { class: "btn-row" });
    if (isAdmin) actions.append(link(["katalog", it.id], "Buka di katalog", { class: "btn btn-secondary" }));
    if (canPublish && it.status === "planned") {
      const pub = h("button", { type: "button", class: "btn btn-primary", id: "rel-publish" }, "Terbitkan sekarang");
      const slot = h("div", { class: "form-error" });
      pub.addEventListener("click", async () => {
        const early = it.release_date > fmt.localDay();
        const ask = early ? `Terbitkan "${it.title}" sekarang, sebelum tanggal rilisnya? Tanggal rilis menjadi hari ini.`
          : `Terbitkan "${it.title}" sekarang?`;
        if (!window.confirm(ask)) return;
        clear(slot);
        try {
          const done = await busy(pub, () => post(`/ops/catalog/items/${encodeURIComponent(it.id)}/publish`),
            "Menerbitkan…");
          toast("Item diterbitkan. Pelanggan seri dan pencarian tersimpan diberi tahu.");
          announce(`${it.title} diterbitkan.`);
          // published early, it moves to today's date: show that month with the item selected
          month = monthStart(done.release_date || fmt.localDay());
          selected = it.id;
          await load();
        } catch (err) {
          replace(slot, errorBox(err));
        }
      });
      actions.append(pub, slot);
    }
    return h("div", { class: "rel-item", dataset: { id: it.id } }, h("h3", { class: "rel-title" }, it.title), facts, actions);
  }

  function drawDetail() {
    if (!selected) { clear(detail); return; }
    const isDay = /^\d{4}-\d{2}-\d{2}$/.test(selected);
    const chosen = isDay ? items.filter((i) => i.release_date === selected) : items.filter((i) => i.id === selected);
    if (!chosen.length) { clear(detail); return; }
    const title = isDay ? `Rilis ${dayLabel(selected)}` : "Rincian rilis";
    const close = h("button", { type: "button", class: "btn btn-ghost btn-small", id: "rel-close" }, "Tutup");
    close.addEventListener("click", () => { selected = null; drawDetail(); });
    replace(detail, card(title, chosen.map(itemCard), h("div", { class: "btn-row" }, close)));
    detail.querySelector(".card-title")?.setAttribute("tabindex", "-1");
    detail.querySelector(".card-title")?.focus();
  }

  async function load() {
    replace(grid, loading("Memuat kalender…"));
    label.textContent = monthLabel(month);
    try {
      const res = await get("/catalog/releases", { from: month, to: monthEnd(month), status: status.value,
        type: type.value });
      if (!ctx.isCurrent()) return;
      items = res.items || [];
      drawGrid();
      if (!items.length) grid.append(emptyState("Tidak ada rilis pada bulan ini."));
      if (res.truncated) grid.append(h("p", { class: "small muted" }, "Daftar dipotong: terlalu banyak rilis; saring menurut jenis."));
      drawDetail();
    } catch (err) {
      replace(grid, errorBox(err, { retry: load }));
    }
  }

  prev.addEventListener("click", () => { month = addMonths(month, -1); selected = null; load(); });
  next.addEventListener("click", () => { month = addMonths(month, 1); selected = null; load(); });
  thisMonth.addEventListener("click", () => { month = monthStart(fmt.localDay()); selected = null; load(); });
  status.addEventListener("change", load);
  type.addEventListener("change", load);
  await load();
}
