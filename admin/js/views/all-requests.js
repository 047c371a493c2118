// Supervisor: every request, filtered by status, kind, assignee and due date, paged with a cursor.
import { h, replace, clear } from "../dom.js";
import { get } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, field, select, busy, emptyState, card } from "../ui.js";
import { requestTable } from "./common.js";

export async function render(view, _params, ctx) {
  view.append(pageHeader("Semua permintaan", "Pantau seluruh permintaan; buka permintaan untuk mengalihkan petugas atau mengubah tenggat."));
  const status = select([["", "Semua status"], ...Object.entries(fmt.STATUS)], { name: "status", id: "filter-status" });
  const kind = select([["", "Semua jenis"], ...Object.entries(fmt.KIND)], { name: "kind", id: "filter-kind" });
  const assignee = select([["", "Semua petugas"]], { name: "assignee", id: "filter-assignee" });
  const due = h("input", { type: "date", name: "due_before", id: "filter-due" });
  const apply = h("button", { type: "submit", class: "btn btn-primary", id: "filter-apply" }, "Terapkan");
  const form = h("form", { class: "filters", role: "search", "aria-label": "Saring permintaan" },
    field("Status", status), field("Jenis", kind), field("Petugas", assignee),
    field("Tenggat sebelum", due), h("div", { class: "field field-button" }, apply));
  const list = h("div", { id: "all-requests" }, loading());
  const more = h("div", { class: "btn-row" });
  const count = h("p", { class: "muted small", "aria-live": "polite" });
  view.append(form, card("Daftar permintaan", count, list, more));

  // filters can come from the address (#/permintaan?status=awaiting_approval)
  const i = window.location.hash.indexOf("?");
  const preset = new URLSearchParams(i >= 0 ? window.location.hash.slice(i + 1) : "");
  if (preset.get("status") && fmt.STATUS[preset.get("status")]) status.value = preset.get("status");
  if (preset.get("kind") && fmt.KIND[preset.get("kind")]) kind.value = preset.get("kind");
  const ops = get("/ops/operators").then((list) => {
    for (const o of list) assignee.append(h("option", { value: o.operator_id }, `${o.name || o.operator_id} (${o.operator_id})`));
    if (preset.get("assignee")) assignee.value = preset.get("assignee");
  }).catch(() => {});
  if (preset.get("assignee")) await ops;

  let cursor = null;
  let rows = [];
  async function load(reset) {
    if (reset) { rows = []; cursor = null; replace(list, loading()); }
    try {
      const page = await get("/ops/requests", {
        status: status.value, kind: kind.value, assignee: assignee.value,
        due_before: due.value ? fmt.wibIso(due.value, "00:00") : "", cursor: cursor || "", page_size: 50,
      });
      if (!ctx.isCurrent()) return;
      rows = rows.concat(page.items || []);
      cursor = page.next_cursor || null;
      count.textContent = `${rows.length} permintaan ditampilkan${cursor ? " (masih ada lagi)" : ""}.`;
      replace(list, rows.length ? requestTable(rows, { caption: "Semua permintaan", showAssignee: true })
        : emptyState("Tidak ada permintaan yang cocok dengan saringan."));
      clear(more);
      if (cursor) {
        const b = h("button", { type: "button", class: "btn btn-secondary", id: "load-more" }, "Muat berikutnya");
        b.addEventListener("click", () => busy(b, () => load(false), "Memuat…"));
        more.append(b);
      }
    } catch (err) {
      replace(list, errorBox(err, { retry: () => load(true) }));
    }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(true); });
  await load(true);
}
