// "Antrian saya": the requests delegated to the signed-in operator, most urgent first, refreshed every 30 s.
import { h, replace } from "../dom.js";
import { get } from "../api.js";
import { KIND, clockTime } from "../fmt.js";
import { pageHeader, errorBox, loading, emptyState, announce, select, field } from "../ui.js";
import { requestTable, byUrgency, isOverdue, statTile, summaryOf } from "./common.js";

const REFRESH_MS = 30 * 1000;

export async function render(view, _params, ctx) {
  const refreshBtn = h("button", { type: "button", class: "btn btn-secondary", id: "queue-refresh" }, "Muat ulang");
  const updated = h("span", { class: "muted small", id: "queue-updated", "aria-live": "off" }, "");
  view.append(pageHeader("Antrian saya",
    "Permintaan yang didelegasikan kepada Anda, diurutkan dari yang paling mendesak.", updated, refreshBtn));

  const stats = h("div", { class: "stats", id: "queue-stats" });
  const search = h("input", { type: "search", name: "q", placeholder: "Nomor, pemohon, atau perihal",
    autocomplete: "off" });
  const kind = select([["", "Semua jenis"], ...Object.entries(KIND)], { name: "kind" });
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Saring antrian",
    onsubmit: (e) => e.preventDefault() },
  field("Cari", search), field("Jenis", kind));
  const body = h("div", { id: "queue-body" }, loading("Memuat antrian…"));
  const pending = h("div", { id: "queue-approvals" });
  view.append(pending, stats, filters, body);
  const supervisor = ctx.user.roles.some((r) => r === "supervisor" || r === "admin");

  // requests waiting for a decision (microdata abstracts, zero-rupiah exemptions) are not assigned to anyone yet
  async function loadApprovals() {
    if (!supervisor) return;
    try {
      const page = await get("/ops/requests", { status: "awaiting_approval", page_size: 50 });
      const n = (page.items || []).length;
      replace(pending, n ? h("div", { class: "alert alert-warn", role: "status" },
        h("p", {}, h("strong", {}, `${n}${page.next_cursor ? "+" : ""} permintaan menunggu persetujuan`),
          " (abstraksi mikrodata atau pembebasan tarif). ",
          h("a", { href: "#/permintaan?status=awaiting_approval" }, "Tinjau sekarang"))) : null);
    } catch {
      replace(pending);
    }
  }

  let items = null;
  let known = null;
  let fresh = new Set();
  let lastCount = null;

  function draw() {
    if (!items) return;
    const q = search.value.trim().toLowerCase();
    const shown = items.filter((r) => (!kind.value || r.kind === kind.value)
      && (!q || [r.request_id, summaryOf(r), r.consumer && r.consumer.name, r.consumer && r.consumer.institution]
        .some((x) => String(x || "").toLowerCase().includes(q))));
    const now = new Date();
    const overdue = items.filter((r) => isOverdue(r, now)).length;
    const soon = items.filter((r) => !isOverdue(r, now) && r.due_at
      && new Date(r.due_at) - now < 24 * 3600 * 1000).length;
    const working = items.filter((r) => r.status === "in_progress").length;
    replace(stats,
      statTile("Permintaan aktif", items.length),
      statTile("Terlambat", overdue, overdue ? "danger" : ""),
      statTile("Jatuh tempo ≤ 24 jam", soon, soon ? "warn" : ""),
      statTile("Sedang dikerjakan", working));
    if (!items.length) {
      replace(body, emptyState("Tidak ada permintaan dalam antrian Anda. Permintaan baru akan muncul di sini "
        + "secara otomatis."));
      return;
    }
    if (!shown.length) {
      replace(body, emptyState("Tidak ada permintaan yang cocok dengan saringan."));
      return;
    }
    replace(body, requestTable(shown, { caption: "Antrian permintaan saya", isNew: (r) => fresh.has(r.request_id) }));
  }

  async function load({ manual = false } = {}) {
    try {
      const data = await get("/ops/queue");
      if (!ctx.isCurrent()) return;
      const list = Array.isArray(data) ? data : (data && data.items) || [];
      const ids = new Set(list.map((r) => r.request_id));
      fresh = known ? new Set([...ids].filter((id) => !known.has(id))) : new Set();
      known = ids;
      items = list.slice().sort(byUrgency);
      draw();
      updated.textContent = `Diperbarui ${clockTime()} WIB · otomatis tiap 30 detik`;
      if (manual) announce(`Antrian dimuat ulang: ${items.length} permintaan.`);
      else if (lastCount !== null && fresh.size) announce(`${fresh.size} permintaan baru masuk ke antrian Anda.`);
      lastCount = items.length;
    } catch (err) {
      if (!ctx.isCurrent()) return;
      replace(body, errorBox(err, { retry: () => load({ manual: true }) }));
    }
  }

  refreshBtn.addEventListener("click", () => { load({ manual: true }); loadApprovals(); });
  search.addEventListener("input", draw);
  kind.addEventListener("change", draw);
  const timer = window.setInterval(() => { if (!document.hidden) { load(); loadApprovals(); } }, REFRESH_MS);
  const onVisible = () => { if (!document.hidden) load(); };
  document.addEventListener("visibilitychange", onVisible);
  ctx.onLeave(() => { window.clearInterval(timer); document.removeEventListener("visibilitychange", onVisible); });
  loadApprovals();
  await load();
}
