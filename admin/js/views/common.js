// Pieces shared by the request lists (queue, all requests).
import { h, link } from "../dom.js";
import { KIND, CHANNEL, TOPIC, label, dateTime, dueText, OPEN_STATUSES } from "../fmt.js";
import { statusBadge, pill } from "../ui.js";

/** One line describing what a request is about. */
export function summaryOf(r) {
  if (r.kind === "consultation") return `${label(TOPIC, r.topic, "")}${r.subject ? ": " + r.subject : ""}`;
  if (r.kind === "complaint") return r.message ? truncate(r.message, 120) : "Pengaduan";
  const titles = (r.items || []).map((i) => i.title || i.catalog_id).filter(Boolean);
  if (titles.length) return truncate(titles.join("; "), 120) + (r.custom_request ? " + permintaan khusus" : "");
  return truncate(r.custom_request || r.purpose || "Permintaan data", 120);
}

export function truncate(text, n) {
  const t = String(text || "");
  return t.length > n ? t.slice(0, n - 1) + "…" : t;
}

/** The SLA clock pauses while the request waits on the consumer or an approval. */
const PAUSED = new Set(["awaiting_payment", "awaiting_approval"]);

export function isOverdue(r, now = new Date()) {
  if (r.overdue) return true;
  return Boolean(r.due_at && OPEN_STATUSES.has(r.status) && !["awaiting_payment", "awaiting_approval"].includes(r.status)
    && new Date(r.due_at) < now);
}

/** Most urgent first: overdue (longest overdue first), then the nearest due date, then the oldest. */
export function byUrgency(a, b) {
  const now = new Date();
  const oa = isOverdue(a, now) ? 0 : 1;
  const ob = isOverdue(b, now) ? 0 : 1;
  if (oa !== ob) return oa - ob;
  const da = a.due_at || "9999";
  const db = b.due_at || "9999";
  if (da !== db) return da < db ? -1 : 1;
  return (a.created_at || "") < (b.created_at || "") ? -1 : 1;
}

export function dueCell(r) {
  const overdue = isOverdue(r);
  return h("div", { class: "due" },
    h("span", { class: "due-date" }, r.due_at ? dateTime(r.due_at) : "—"),
    h("span", { class: overdue ? "due-rel due-overdue" : "due-rel" },
      overdue ? h("span", { class: "badge badge-danger" }, "Terlambat") : null,
      " ", PAUSED.has(r.status) ? "SLA dijeda" : r.due_at && OPEN_STATUSES.has(r.status)
        ? (overdue ? dueText(r.due_at).replace("terlambat ", "lewat ") : dueText(r.due_at)) : ""));
}

export function kindCell(r) {
  return h("div", {}, pill(label(KIND, r.kind), `kind-${r.kind}`),
    h("div", { class: "muted small" }, label(CHANNEL, r.channel)));
}

/** A table of requests; `columns` selects optional columns. */
export function requestTable(items, { caption, showAssignee = false, isNew = () => false } = {}) {
  const head = ["Tenggat", "Nomor", "Jenis", "Perihal", "Pemohon", showAssignee ? "Petugas" : null, "Status"]
    .filter(Boolean);
  const table = h("table", { class: "table table-requests" },
    caption ? h("caption", { class: "visually-hidden" }, caption) : null,
    h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, items.map((r) => {
      const overdue = isOverdue(r);
      const tr = h("tr", { class: [overdue ? "row-overdue" : "", "row-link"], dataset: { id: r.request_id } },
        h("td", { "data-label": "Tenggat" }, dueCell(r)),
        h("th", { scope: "row", "data-label": "Nomor" },
          link(["permintaan", r.request_id], r.request_id, { class: "req-id" }),
          isNew(r) ? h("span", { class: "badge badge-new" }, "Baru") : null),
        h("td", { "data-label": "Jenis" }, kindCell(r)),
        h("td", { "data-label": "Perihal", class: "cell-summary" }, summaryOf(r)),
        h("td", { "data-label": "Pemohon" },
          h("div", {}, (r.consumer && r.consumer.name) || r.consumer_id || "—"),
          r.consumer && r.consumer.institution ? h("div", { class: "muted small" }, r.consumer.institution) : null),
        showAssignee ? h("td", { "data-label": "Petugas" }, r.assignee || h("span", { class: "muted" }, "belum ada"))
          : null,
        h("td", { "data-label": "Status" }, statusBadge(r.status)));
      tr.addEventListener("click", (ev) => {
        if (ev.target.closest("a, button")) return;
        window.location.hash = `#/permintaan/${encodeURIComponent(r.request_id)}`;
      });
      return tr;
    })));
  return h("div", { class: "table-wrap" }, table);
}

export function statTile(labelText, value, kind = "") {
  return h("div", { class: ["stat", kind ? `stat-${kind}` : ""] },
    h("span", { class: "stat-value" }, String(value)),
    h("span", { class: "stat-label" }, labelText));
}
