// Kalender rilis: one month at a time (#/kalender?bulan=YYYY-MM), planned and published items by day.
import { h, replace } from "../dom.js";
import { pub } from "../api.js";
import { ITEM_TYPE, date, localDay } from "../fmt.js";
import { pageHeader, loading, errorBox, emptyState, select } from "../ui.js";

const monthName = new Intl.DateTimeFormat("id-ID", { month: "long", year: "numeric", timeZone: "UTC" });

function shift(ym, n) {
  const [y, m] = ym.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

export async function render(main, ctx) {
  const { query } = ctx;
  const ym = /^\d{4}-\d{2}$/.test(query.get("bulan") || "") ? query.get("bulan") : localDay().slice(0, 7);
  const type = query.get("type") || "";
  const [y, m] = ym.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const href = (month, t = type) => `#/kalender?bulan=${month}${t ? `&type=${t}` : ""}`;
  const body = h("div", { id: "cal-body" }, loading("Memuat kalender…"));
  const typeSel = select([["", "Semua jenis"], ...Object.entries(ITEM_TYPE)], { id: "cal-type" }, type);
  typeSel.addEventListener("change", () => { window.location.hash = href(ym, typeSel.value); });
  replace(main, pageHeader("Kalender rilis", "Jadwal rilis data dan publikasi resmi."),
    h("div", { class: "toolbar" },
      h("a", { class: "btn btn-secondary btn-small", href: href(shift(ym, -1)), id: "cal-prev" }, "‹ Bulan sebelumnya"),
      h("h2", { id: "cal-month" }, monthName.format(new Date(Date.UTC(y, m - 1, 1)))),
      h("a", { class: "btn btn-secondary btn-small", href: href(shift(ym, 1)), id: "cal-next" }, "Bulan berikutnya ›")),
    h("div", { class: "field" }, h("label", { for: "cal-type" }, "Jenis data"), typeSel),
    body);
  let cal;
  try {
    cal = await pub("/catalog/releases", { from: `${ym}-01`, to: `${ym}-${String(last).padStart(2, "0")}`, type });
  } catch (err) {
    replace(body, errorBox(err, { retry: () => render(main, ctx) }));
    return;
  }
  const byDay = new Map();
  for (const i of cal.items || []) {
    if (!byDay.has(i.release_date)) byDay.set(i.release_date, []);
    byDay.get(i.release_date).push(i);
  }
  if (!byDay.size) { replace(body, emptyState("Tidak ada rilis pada bulan ini.")); return; }
  replace(body, [...byDay.entries()].map(([day, items]) => h("section", { class: "card cal-day" },
    h("h3", {}, date(day)),
    h("ul", {}, items.map((i) => h("li", {},
      h("a", { href: `#/katalog/${encodeURIComponent(i.id)}` }, i.title), " ",
      h("span", { class: `badge ${i.status === "published" ? "badge-open" : "badge-restricted"}` },
        i.status === "published" ? "Sudah rilis" : "Dijadwalkan"),
      h("span", { class: "muted small" }, ` ${ITEM_TYPE[i.type] || i.type} · ${i.region}`)))))),
  cal.truncated ? h("p", { class: "hint" }, "Daftar dipotong; saring menurut jenis untuk melihat semuanya.") : null);
}
